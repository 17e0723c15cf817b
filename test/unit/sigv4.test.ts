import { createHash, createHmac, type Hash, type Hmac } from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";
import { expect, test } from "vitest";
import { signRequest } from "../../package/sigv4.js";

/** The hash the SDK's signer is given (what @aws-crypto/sha256-js provides in the SDK). */
class Sha256 {
  private readonly h: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.h = secret === undefined ? createHash("sha256") : createHmac("sha256", bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.h.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
}

function bytes(d: string | ArrayBuffer | ArrayBufferView): string | Buffer {
  if (typeof d === "string") return d;
  return ArrayBuffer.isView(d) ? Buffer.from(d.buffer, d.byteOffset, d.byteLength) : Buffer.from(d);
}

const credentials = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};

test("AWS's published example (aws-sig-v4-test-suite, get-vanilla)", () => {
  const headers = signRequest({
    method: "GET",
    url: new URL("https://example.amazonaws.com/"),
    credentials,
    region: "us-east-1",
    service: "service",
    date: new Date("2015-08-30T12:36:00Z"),
  });
  expect(headers.authorization).toBe(
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
  );
});

test.each([
  ["GET", "/v1/iam/tasks", "kind=embed&limit=2&cursor=eyJh%2Bb%3D", undefined, undefined],
  ["POST", "/v1/iam/tasks", "", JSON.stringify({ taskId: "6641c0efc70bb578439bd909" }), "session-token-123"],
  ["PATCH", "/v1/iam/tasks/abc_DEF-1", "", JSON.stringify({ tags: { a: "b c" } }), undefined],
] as const)(
  "%s %s?%s signs as the AWS SDK's own signer does",
  async (method, path, query, body, sessionToken) => {
    const date = new Date("2026-12-01T10:00:00Z");
    const url = new URL(
      `https://abc123.execute-api.eu-west-1.amazonaws.com${path}${query ? `?${query}` : ""}`,
    );
    const creds = { ...credentials, ...(sessionToken ? { sessionToken } : {}) };
    const ours = signRequest({ method, url, body, credentials: creds, region: "eu-west-1", date });
    const sdk = new SignatureV4({
      credentials: creds,
      region: "eu-west-1",
      service: "execute-api",
      sha256: Sha256,
      applyChecksum: false,
    });
    const signed = await sdk.sign(
      {
        method,
        protocol: "https:",
        hostname: url.hostname,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: { host: url.host },
        body,
      },
      { signingDate: date },
    );
    expect(ours.authorization).toBe(signed.headers.authorization);
  },
);
