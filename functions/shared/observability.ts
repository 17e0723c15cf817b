import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";

/** One Logger and one Metrics per function, created once (Powertools reads its env settings). */
export const logger = new Logger({ serviceName: "twelvelabs-task-notifier" });
export const metrics = new Metrics({
  namespace: "TwelveLabsTaskNotifier",
  serviceName: "twelvelabs-task-notifier",
});

/** A short, safe description of an error for logs: class and message, never request details. */
export function errorSummary(err: unknown): { name: string; message: string } {
  if (err instanceof Error) return { name: err.name, message: err.message.slice(0, 500) };
  return { name: "NonError", message: String(err).slice(0, 200) };
}
