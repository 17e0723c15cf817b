import { createHash } from "node:crypto";
import { PassThrough, type Readable } from "node:stream";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";

/** 5 MiB parts, two in flight: at most about 15 MiB of a result in memory, whatever its size. */
const PART_SIZE = 5 * 1024 * 1024;
const QUEUE_SIZE = 2;

/**
 * The results bucket. `put` streams a body into one object (a multipart upload: the object appears
 * whole when the upload completes, or not at all) and hashes it on the way; `presign` signs a GET.
 */
export class S3ResultStore {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
    /** The bucket's KMS key (SSE-KMS), when it has one of its own. */
    private readonly kmsKeyId?: string,
  ) {}

  async put(key: string, body: Readable, contentType: string): Promise<{ bytes: number; sha256: string }> {
    const hash = createHash("sha256");
    let bytes = 0;
    const counted = new PassThrough();
    body.on("data", (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
    });
    body.on("error", (err) => counted.destroy(err));
    body.pipe(counted);
    const upload = new Upload({
      client: this.s3,
      partSize: PART_SIZE,
      queueSize: QUEUE_SIZE,
      leavePartsOnError: false,
      params: {
        Bucket: this.bucket,
        Key: key,
        Body: counted,
        ContentType: contentType,
        ...(this.kmsKeyId ? { ServerSideEncryption: "aws:kms" as const, SSEKMSKeyId: this.kmsKeyId } : {}),
      },
    });
    await upload.done();
    return { bytes, sha256: hash.digest("hex") };
  }

  presign(key: string, expiresInSeconds: number): Promise<string> {
    return getSignedUrl(this.s3, new GetObjectCommand({ Bucket: this.bucket, Key: key }), {
      expiresIn: expiresInSeconds,
    });
  }
}

/** `s3://bucket/key` */
export function s3Uri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

/** The key of an `s3://` URI in `bucket`; undefined for another bucket or not a URI. */
export function keyOf(uri: string, bucket: string): string | undefined {
  const prefix = `s3://${bucket}/`;
  return uri.startsWith(prefix) ? uri.slice(prefix.length) : undefined;
}
