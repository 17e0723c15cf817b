import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A minimal Secrets Manager stand-in speaking the real JSON protocol for GetSecretValue and
 * PutSecretValue, so the deployed code path (Powertools Parameters → AWS SDK) and the rotation
 * command run unchanged. Nothing else is served.
 */
export async function startSecretsManagerStandIn(
  secrets: Map<string, string>,
): Promise<{ endpoint: string; calls: string[]; close(): Promise<void> }> {
  const calls: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const target = String(req.headers["x-amz-target"] ?? "");
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as {
        SecretId?: string;
        SecretString?: string;
      };
      calls.push(`${target} ${body.SecretId ?? ""}`);
      const reply = (status: number, payload: object) => {
        res.writeHead(status, { "content-type": "application/x-amz-json-1.1" }).end(JSON.stringify(payload));
      };
      if (target === "secretsmanager.PutSecretValue" && body.SecretId && secrets.has(body.SecretId)) {
        secrets.set(body.SecretId, body.SecretString ?? "");
        return reply(200, {
          ARN: `arn:aws:secretsmanager:us-east-1:000000000000:secret:${body.SecretId}`,
          Name: body.SecretId,
          VersionId: "v2",
        });
      }
      if (target !== "secretsmanager.GetSecretValue")
        return reply(400, { __type: "InvalidRequestException", message: "unsupported" });
      const value = body.SecretId === undefined ? undefined : secrets.get(body.SecretId);
      if (value === undefined)
        return reply(400, {
          __type: "ResourceNotFoundException",
          message: "Secrets Manager can't find the specified secret.",
        });
      return reply(200, {
        ARN: `arn:aws:secretsmanager:us-east-1:000000000000:secret:${body.SecretId}`,
        Name: body.SecretId,
        SecretString: value,
        VersionId: "v1",
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
