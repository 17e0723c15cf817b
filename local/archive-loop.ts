import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { archiverDeps, createArchiverHandler } from "../functions/archiver-handler.js";
import { archiverConfig } from "../functions/config/archiver-config.js";
import type { EmbeddedAws } from "./embedded-aws.js";
import { startQueueLoop } from "./webhook-loop.js";

/*
 * The stack's results archive, locally: the archive queue the poller hands jobs to, the results
 * bucket, and the real archiver on the queue. The bucket is on the embedded S3 (fauxqs), or on
 * AWS_ENDPOINT_URL_S3 when it was set before the start (a LocalStack, moto), path-style.
 */

export const LOCAL_ARCHIVE_QUEUE = "local-archive";
export const LOCAL_RESULTS_BUCKET = "local-results";

export interface LocalArchive {
  queueUrl: string;
  bucket: string;
  /** The S3 the bucket is on (fauxqs unless AWS_ENDPOINT_URL_S3 was given). */
  s3: S3Client;
  s3Endpoint: string;
}

export async function createLocalArchive(
  aws: EmbeddedAws,
  userS3Endpoint: string | undefined,
): Promise<LocalArchive> {
  const queue = aws.fauxqs.createQueue(LOCAL_ARCHIVE_QUEUE, { attributes: { VisibilityTimeout: "300" } });
  if (!userS3Endpoint) {
    aws.fauxqs.createBucket(LOCAL_RESULTS_BUCKET);
    return {
      queueUrl: queue.queueUrl,
      bucket: LOCAL_RESULTS_BUCKET,
      s3: aws.s3,
      s3Endpoint: aws.snsEndpoint,
    };
  }
  const s3 = new S3Client({ endpoint: userS3Endpoint, forcePathStyle: true });
  try {
    await s3.send(new CreateBucketCommand({ Bucket: LOCAL_RESULTS_BUCKET }));
  } catch (err) {
    const name = (err as { name?: string }).name;
    if (name !== "BucketAlreadyOwnedByYou" && name !== "BucketAlreadyExists") throw err;
  }
  return { queueUrl: queue.queueUrl, bucket: LOCAL_RESULTS_BUCKET, s3, s3Endpoint: userS3Endpoint };
}

/** The archiver on the local queue; one `[archive]` line per store. */
export function startArchiver(aws: EmbeddedAws, archive: LocalArchive, print: (line: string) => void) {
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const handler = createArchiverHandler(
    archiverDeps(
      archiverConfig(process.env),
      { dynamo: aws.dynamo, sns: aws.sns, sqs: aws.sqs, s3: archive.s3 },
      {
        logger: quiet,
        onArchive: (taskId, outcome, attempt, ms) =>
          print(
            "error" in outcome
              ? `[archive] ${taskId} not stored (try ${attempt}, ${ms} ms): ${outcome.error}`
              : `[archive] ${taskId} -> ${outcome.uri} (${outcome.bytes} bytes, sha256 ${outcome.sha256.slice(0, 12)}..., ${ms} ms)`,
          ),
      },
    ),
  );
  return startQueueLoop(aws, archive.queueUrl, handler, print, "archive");
}
