import {
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  type SFNClient,
} from "@aws-sdk/client-sfn";
import type { StepFunctionsPort } from "../core/ports.js";

/**
 * Step Functions' callback calls with the real SDK client (AWS, or AWS_ENDPOINT_URL_SFN: LocalStack,
 * moto). The SDK's own retries (3 attempts, backoff) come first; what still fails is retried
 * through the queue. Errors pass through with their names: the handler classifies them.
 */
export class SfnCallbacks implements StepFunctionsPort {
  constructor(private readonly sfn: SFNClient) {}

  async success(taskToken: string, output: string): Promise<void> {
    await this.sfn.send(new SendTaskSuccessCommand({ taskToken, output }));
  }

  async failure(taskToken: string, error: string, cause: string): Promise<void> {
    await this.sfn.send(new SendTaskFailureCommand({ taskToken, error, cause }));
  }

  async heartbeat(taskToken: string): Promise<void> {
    await this.sfn.send(new SendTaskHeartbeatCommand({ taskToken }));
  }
}
