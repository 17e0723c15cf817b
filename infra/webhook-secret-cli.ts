import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { SECRET_CACHE_SECONDS } from "../functions/core/deployment-defaults.js";
import { parseWebhookSecret, rotatedSecretValue, signingSecrets } from "../functions/core/webhook-secrets.js";

export const WEBHOOK_SECRET_USAGE = `Usage: npm run webhook-secret -- <command> [options]

  generate                      print a new whsec_ secret (for NOTIFIER_WEBHOOK_SECRET, or to import)
  show   --secret-id <name>     print the secret(s) signing now: give receivers the first
  rotate --secret-id <name>     put a new secret in place; the old one keeps signing beside it for
                                the stage's overlap (infra/config.ts webhooks.secretOverlap, 24 h)
  finish --secret-id <name>     drop the previous secret now (before the overlap ends), once every
                                receiver has the new one
  --overlap-hours <h>           the overlap to assume for show (default 24)
  --region <region>             AWS region (default: the AWS SDK's)

The secret is the stack output WebhookSecretName. Uses your AWS credentials.`;

/** A new Standard Webhooks secret: 32 random bytes, base64, with the whsec_ prefix. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

/**
 * `npm run webhook-secret`: rotate, show or generate the webhook signing secret. Returns the exit
 * code; prints through `print`. Never prints a secret it was not asked for.
 */
export async function webhookSecretCommand(
  argv: string[],
  deps: { client?: SecretsManagerClient; now?: () => number; print: (line: string) => void },
): Promise<number> {
  let values: Record<string, string | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: {
        "secret-id": { type: "string" },
        "overlap-hours": { type: "string", default: "24" },
        region: { type: "string" },
      },
      allowPositionals: true,
      strict: true,
    }) as { values: Record<string, string | undefined>; positionals: string[] });
  } catch (err) {
    deps.print(`webhook-secret: ${(err as Error).message.split("\n")[0]}\n\n${WEBHOOK_SECRET_USAGE}`);
    return 2;
  }
  const [command] = positionals;
  const now = deps.now ?? Date.now;
  if (command === "generate") {
    deps.print(generateWebhookSecret());
    return 0;
  }
  if (command !== "show" && command !== "rotate" && command !== "finish") {
    deps.print(WEBHOOK_SECRET_USAGE);
    return 2;
  }
  const id = values["secret-id"];
  if (!id) {
    deps.print("webhook-secret: --secret-id is required (the stack output WebhookSecretName)");
    return 2;
  }
  const overlapHours = Number(values["overlap-hours"]);
  if (!Number.isFinite(overlapHours) || overlapHours < 0) {
    deps.print("webhook-secret: --overlap-hours must be a number of hours");
    return 2;
  }
  const client = deps.client ?? new SecretsManagerClient(values.region ? { region: values.region } : {});
  const res = await client.send(new GetSecretValueCommand({ SecretId: id }));
  const stored = parseWebhookSecret(res.SecretString ?? "");
  if (command === "show") {
    for (const s of signingSecrets(stored, now(), overlapHours * 3600_000)) deps.print(s);
    return 0;
  }
  if (command === "finish") {
    await client.send(
      new PutSecretValueCommand({ SecretId: id, SecretString: JSON.stringify({ current: stored.current }) }),
    );
    deps.print(
      `finished: only the current secret signs from ${new Date(now() + SECRET_CACHE_SECONDS * 1000).toISOString()} at the latest (the webhook function caches the secret for ${SECRET_CACHE_SECONDS / 60} minutes)`,
    );
    return 0;
  }
  const next = generateWebhookSecret();
  await client.send(
    new PutSecretValueCommand({ SecretId: id, SecretString: rotatedSecretValue(stored, next, now()) }),
  );
  deps.print(next);
  deps.print(
    `rotated: the new secret (above) starts signing by ${new Date(now() + SECRET_CACHE_SECONDS * 1000).toISOString()} at the latest (the webhook function caches the secret for ${SECRET_CACHE_SECONDS / 60} minutes; until then deliveries carry the previous signature only). The previous one signs beside it until ${new Date(now() + overlapHours * 3600_000).toISOString()} (the overlap). Give receivers the new one before then.`,
  );
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  webhookSecretCommand(process.argv.slice(2), { print: (line) => console.log(line) })
    .then((code) => process.exit(code))
    .catch((err: Error) => {
      console.error(`webhook-secret: ${err.name}: ${err.message}`);
      process.exit(1);
    });
}
