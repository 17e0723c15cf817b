import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

/** What local mode generates when not told: the two API keys and the webhook signing secret. */
export interface LocalKeys {
  client: string;
  admin: string;
  webhookSecret: string;
}

const FILE = "local-keys.json";

/**
 * The keys and webhook secret of local mode: as given (--api-key, --admin-key,
 * NOTIFIER_WEBHOOK_SECRET), else those kept under `--data` from an earlier start, else new ones
 * (kept there for the next start, readable by the owner only). Without `--data` nothing is kept.
 */
export function localKeys(
  given: { apiKey?: string; adminKey?: string; webhookSecret?: string },
  dataDir: string | undefined,
): LocalKeys & { generated: { webhookSecret: boolean } } {
  const file = dataDir ? join(resolve(dataDir), FILE) : undefined;
  let kept: Partial<LocalKeys> = {};
  if (file && existsSync(file)) {
    try {
      kept = JSON.parse(readFileSync(file, "utf8")) as Partial<LocalKeys>;
    } catch {
      kept = {}; // unreadable: new keys replace it
    }
  }
  const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
  const keys: LocalKeys = {
    client: given.apiKey ?? str(kept.client) ?? randomBytes(15).toString("base64url"),
    admin: given.adminKey ?? str(kept.admin) ?? randomBytes(15).toString("base64url"),
    webhookSecret:
      given.webhookSecret ?? str(kept.webhookSecret) ?? `whsec_${randomBytes(32).toString("base64")}`,
  };
  if (file) {
    // What was kept stays; what was given on this start is written only where nothing was kept.
    const toKeep = {
      client: str(kept.client) ?? keys.client,
      admin: str(kept.admin) ?? keys.admin,
      webhookSecret: str(kept.webhookSecret) ?? keys.webhookSecret,
    };
    writeFileSync(file, `${JSON.stringify(toKeep, null, 2)}\n`, { mode: 0o600 });
  }
  return { ...keys, generated: { webhookSecret: given.webhookSecret === undefined } };
}
