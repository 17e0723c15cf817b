import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { LOCAL_AWS_ENV } from "../../local/embedded-aws.js";

/**
 * A DynamoDB client on a stand-in that counts the items every Query, Scan and BatchGetItem read
 * (ScannedCount where DynamoDB reports it, else the items returned): the cost of a listing.
 */
export function countingDynamoClient(endpoint: string): { client: DynamoDBClient; reads: { count: number } } {
  const reads = { count: 0 };
  const client = new DynamoDBClient({
    endpoint,
    region: LOCAL_AWS_ENV.AWS_REGION,
    credentials: {
      accessKeyId: LOCAL_AWS_ENV.AWS_ACCESS_KEY_ID,
      secretAccessKey: LOCAL_AWS_ENV.AWS_SECRET_ACCESS_KEY,
    },
  });
  client.middlewareStack.add(
    (next) => async (args) => {
      const out = await next(args);
      const o = out.output as {
        Items?: unknown[];
        ScannedCount?: number;
        Responses?: Record<string, unknown[]>;
      };
      reads.count += o.ScannedCount ?? o.Items?.length ?? 0;
      for (const r of Object.values(o.Responses ?? {})) reads.count += r.length;
      return out;
    },
    { step: "initialize", name: "countReads" },
  );
  return { client, reads };
}
