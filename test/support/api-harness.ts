import type { APIGatewayProxyResult } from "aws-lambda";
import { DynamoDbTaskStore } from "../../functions/adapters/dynamodb-task-store.js";
import { startEmbeddedAws } from "../../local/embedded-aws.js";
import { apiEvent } from "./api-events.js";

/** The real api handler wired to dynalite and fauxqs through its environment. */
export async function startApiHarness(extraEnv: Record<string, string> = {}) {
  const aws = await startEmbeddedAws();
  Object.assign(process.env, aws.env, {
    STAGE: "test",
    SHARDS: "4",
    TAG_ATTRIBUTES: "team,project",
    POWERTOOLS_LOG_LEVEL: "SILENT",
    ...extraEnv,
  });
  const mod = await import("../../functions/api.js");
  const { dynamo } = aws;
  const store = new DynamoDbTaskStore(dynamo, aws.tableName, 4);
  return {
    aws,
    store,
    dynamo,
    async call(method: string, path: string, opts: Parameters<typeof apiEvent>[2] = {}) {
      const res: APIGatewayProxyResult = await mod.handler(apiEvent(method, path, opts));
      // biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field.
      const body: any = res.body ? JSON.parse(res.body) : undefined;
      return { status: res.statusCode, body, headers: res.headers ?? {} };
    },
    async close() {
      await aws.close();
    },
  };
}

export type ApiHarness = Awaited<ReturnType<typeof startApiHarness>>;
