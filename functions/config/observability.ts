import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, type MetricUnit } from "@aws-lambda-powertools/metrics";

type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

import type { FunctionLog, MetricsSinkOf } from "./function-log.js";
import { METRIC_NAMESPACE, SERVICE_NAME } from "./metric-names.js";

/** One Logger and one Metrics per function, created once (Powertools reads its env settings). */
export const logger = new Logger({ serviceName: SERVICE_NAME });
// The stage dimension (metric-names.ts metricDimensions, which the alarms read) on every metric; single metrics inherit default dimensions.
// STAGE is set on every function by the stack; a function without it emits "unset", never another stage's name.
export const metrics = new Metrics({
  namespace: METRIC_NAMESPACE,
  serviceName: SERVICE_NAME,
  defaultDimensions: { stage: process.env.STAGE?.trim() || "unset" },
});

/** The handlers' log on Powertools' Logger. */
export const functionLog: FunctionLog = {
  info: (message, extra) => logger.info(message, extra ?? {}),
  warn: (message, extra) => logger.warn(message, extra ?? {}),
  error: (message, extra) => logger.error(message, extra ?? {}),
};

/** The handlers' metrics on Powertools' Metrics; another dimension set is its own EMF document, written at once. */
export const functionMetrics: MetricsSinkOf<string, Unit> = {
  add: (name, unit, value, dimensions) => {
    if (!dimensions) return metrics.addMetric(name, unit, value);
    const single = metrics.singleMetric();
    for (const [k, v] of Object.entries(dimensions)) single.addDimension(k, v);
    single.addMetric(name, unit, value);
  },
  flush: () => metrics.publishStoredMetrics(),
};
