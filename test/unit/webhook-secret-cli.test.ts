import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { Webhook } from "standardwebhooks";
import { afterEach, expect, test } from "vitest";
import { parseWebhookSecret, signingSecrets } from "../../functions/core/webhook-secrets.js";
import { webhookHeaders } from "../../functions/core/webhook-signature.js";
import { webhookSecretCommand } from "../../infra/webhook-secret-cli.js";
import { startSecretsManagerStandIn } from "../support/secrets-manager-standin.js";

let standIn: Awaited<ReturnType<typeof startSecretsManagerStandIn>> | undefined;
afterEach(async () => standIn?.close());

const client = (endpoint: string) =>
  new SecretsManagerClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "l", secretAccessKey: "l" },
  });

test("rotate: the stack's generated value becomes {current, previous, rotatedAt}; both sign for the overlap", async () => {
  const generated = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfGhIjKl";
  const secrets = new Map([["notifier/webhooks", JSON.stringify({ current: generated })]]);
  standIn = await startSecretsManagerStandIn(secrets);
  const lines: string[] = [];
  const t0 = Date.parse("2026-11-29T12:00:00Z");
  const code = await webhookSecretCommand(["rotate", "--secret-id", "notifier/webhooks"], {
    client: client(standIn.endpoint),
    now: () => t0,
    print: (l) => lines.push(l),
  });
  expect(code).toBe(0);
  const next = lines[0] as string;
  expect(next).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
  expect(lines[1]).toContain("2026-11-30T12:00:00.000Z");
  // Not "from now on": the function's secret cache delays it, and the message says until when.
  expect(lines[1]).not.toContain("from now on");
  expect(lines[1]).toContain("starts signing by 2026-11-29T12:05:00.000Z at the latest");
  const stored = parseWebhookSecret(secrets.get("notifier/webhooks") ?? "");
  expect(stored).toEqual({ current: next, previous: `whsec_${generated}`, rotatedAt: t0 });
  // Within the overlap a receiver still holding the old secret verifies; after it, only the new one signs.
  const body = '{"id":"e"}';
  const nowSec = Math.floor(Date.now() / 1000);
  const during = webhookHeaders(signingSecrets(stored, t0 + 3600_000, 24 * 3600_000), "e", nowSec, body);
  expect(new Webhook(`whsec_${generated}`).verify(body, during)).toEqual({ id: "e" });
  expect(new Webhook(next).verify(body, during)).toEqual({ id: "e" });
  expect(during["webhook-signature"].split(" ")).toHaveLength(2);
  expect(signingSecrets(stored, t0 + 24 * 3600_000, 24 * 3600_000)).toEqual([next]);

  const shown: string[] = [];
  await webhookSecretCommand(["show", "--secret-id", "notifier/webhooks"], {
    client: client(standIn.endpoint),
    now: () => t0 + 3600_000,
    print: (l) => shown.push(l),
  });
  expect(shown).toEqual([next, `whsec_${generated}`]);

  // finish: the previous secret is dropped before the overlap ends.
  expect(
    await webhookSecretCommand(["finish", "--secret-id", "notifier/webhooks"], {
      client: client(standIn.endpoint),
      print: () => undefined,
    }),
  ).toBe(0);
  expect(
    signingSecrets(parseWebhookSecret(secrets.get("notifier/webhooks") ?? ""), t0 + 3600_000, 24 * 3600_000),
  ).toEqual([next]);
});

test("generate prints a fresh valid secret; mistakes are exit code 2 with a reason", async () => {
  const out: string[] = [];
  expect(await webhookSecretCommand(["generate"], { print: (l) => out.push(l) })).toBe(0);
  expect(parseWebhookSecret(out[0] ?? "").current).toBe(out[0]);
  const errs: string[] = [];
  expect(await webhookSecretCommand(["rotate"], { print: (l) => errs.push(l) })).toBe(2);
  expect(errs.join("\n")).toContain("--secret-id is required");
  expect(await webhookSecretCommand(["explode"], { print: (l) => errs.push(l) })).toBe(2);
  expect(await webhookSecretCommand(["show", "--nope"], { print: (l) => errs.push(l) })).toBe(2);
});
