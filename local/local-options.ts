import { parseArgs } from "node:util";
import { PASS_INTERVAL_MS } from "../functions/core/deployment-defaults.js";
import { DISCOVERABLE_KINDS, unwatchableKinds } from "../functions/core/discovery.js";
import type { TaskKind } from "../functions/core/task-kinds.js";
import { TWELVELABS_BASE_URL } from "../functions/core/twelvelabs-endpoints.js";
import { parseWebhookSecret } from "../functions/core/webhook-secrets.js";

const DEFAULT_INTERVAL_SECONDS = String(PASS_INTERVAL_MS / 1000);

export const USAGE = `Usage: npm start -- [options]

  --port <n>             API port on 127.0.0.1 (default 3000)
  --api-key <key>        client key (task routes) sent as x-api-key (default: $NOTIFIER_API_KEY, else generated)
  --admin-key <key>      admin key (every route, subscriptions too) (default: $NOTIFIER_ADMIN_KEY, else generated)
  --interval <seconds>   seconds between poller passes (default ${DEFAULT_INTERVAL_SECONDS}: a deployed stage's pass cadence)
  --data <dir>           keep tasks and subscriptions in <dir> across restarts (default: in memory)
  --simulate             use the TwelveLabs simulator even if TWELVELABS_API_KEY is set
  --simulator-port <n>   port of the simulator (default 4010; 0 picks a free one)
  --twelvelabs-url <url> TwelveLabs API base URL (default ${TWELVELABS_BASE_URL})
  --watch-account <kinds> also watch tasks nobody registered, of these kinds (comma-separated:
                         ${DISCOVERABLE_KINDS.join(", ")}), created from now on
  --archive              archive every registration that does not say (results kept in the
                         embedded S3; GET /tasks/{id}/result redirects there)
  --demo                 register two simulated tasks and show their notifications
  --help                 this text

TwelveLabs: the real API when TWELVELABS_API_KEY is set, otherwise a local simulator.
Webhooks are signed with $NOTIFIER_WEBHOOK_SECRET (a whsec_ value), otherwise with a secret generated and printed at start.`;

export interface LocalOptions {
  port: number;
  apiKey?: string;
  adminKey?: string;
  intervalMs: number;
  dataDir?: string;
  simulate: boolean;
  simulatorPort: number;
  twelvelabsUrl: string;
  twelvelabsKey?: string;
  /** The webhook signing secret (NOTIFIER_WEBHOOK_SECRET), as stored: whsec_... or rotation JSON. */
  webhookSecret?: string;
  /** Kinds whose tasks are discovered without registering. */
  watchAccount: TaskKind[];
  /** Registrations archive their results unless they say otherwise. */
  archive: boolean;
  demo: boolean;
  help: boolean;
}

/** A flag problem: printed as one line with the usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export function parseLocalOptions(argv: string[], env: Record<string, string | undefined>): LocalOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: "string", default: "3000" },
        "api-key": { type: "string" },
        "admin-key": { type: "string" },
        interval: { type: "string", default: DEFAULT_INTERVAL_SECONDS },
        data: { type: "string" },
        simulate: { type: "boolean", default: false },
        "simulator-port": { type: "string", default: "4010" },
        "twelvelabs-url": { type: "string", default: TWELVELABS_BASE_URL },
        demo: { type: "boolean", default: false },
        archive: { type: "boolean", default: false },
        "watch-account": { type: "string" },
        help: { type: "boolean", default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message.split("\n")[0] ?? "invalid arguments");
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be a whole number 0-65535`);
  const simulatorPort = Number(values["simulator-port"]);
  if (!Number.isInteger(simulatorPort) || simulatorPort < 0 || simulatorPort > 65535) {
    throw new UsageError("--simulator-port must be a whole number 0-65535");
  }
  const interval = Number(values.interval);
  if (!Number.isFinite(interval) || interval < 0.2 || interval > 3600)
    throw new UsageError("--interval must be between 0.2 and 3600 seconds");
  const url = String(values["twelvelabs-url"]);
  try {
    const u = new URL(url);
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error();
  } catch {
    throw new UsageError("--twelvelabs-url must be an http(s) URL");
  }
  const apiKey = (values["api-key"] as string | undefined) ?? (env.NOTIFIER_API_KEY?.trim() || undefined);
  if (apiKey !== undefined && !/^[\x21-\x7e]{8,128}$/.test(apiKey))
    throw new UsageError("the API key must be 8-128 printable characters");
  const adminKey =
    (values["admin-key"] as string | undefined) ?? (env.NOTIFIER_ADMIN_KEY?.trim() || undefined);
  if (adminKey !== undefined && !/^[\x21-\x7e]{8,128}$/.test(adminKey))
    throw new UsageError("the admin key must be 8-128 printable characters");
  if (adminKey !== undefined && adminKey === apiKey)
    throw new UsageError("the admin key must differ from the client key");
  const twelvelabsKey = env.TWELVELABS_API_KEY?.trim() || undefined;
  const simulate = Boolean(values.simulate) || twelvelabsKey === undefined;
  if (values.demo && !simulate) throw new UsageError("--demo needs the simulator: add --simulate");
  const opts: LocalOptions = {
    port,
    intervalMs: Math.round(interval * 1000),
    simulate,
    simulatorPort,
    twelvelabsUrl: url.replace(/\/+$/, ""),
    demo: Boolean(values.demo),
    archive: Boolean(values.archive),
    help: Boolean(values.help),
    watchAccount: watchKindsOf(values["watch-account"] as string | undefined),
  };
  if (apiKey) opts.apiKey = apiKey;
  if (adminKey) opts.adminKey = adminKey;
  if (values.data) opts.dataDir = String(values.data);
  if (!simulate && twelvelabsKey) opts.twelvelabsKey = twelvelabsKey;
  const webhookSecret = env.NOTIFIER_WEBHOOK_SECRET?.trim() || undefined;
  if (webhookSecret !== undefined) {
    try {
      parseWebhookSecret(webhookSecret);
    } catch (err) {
      throw new UsageError(`NOTIFIER_WEBHOOK_SECRET: ${(err as Error).message}`);
    }
    opts.webhookSecret = webhookSecret;
  }
  return opts;
}

function watchKindsOf(value: string | undefined): TaskKind[] {
  if (value === undefined) return [];
  const kinds = value
    .split(",")
    .map((k) => k.trim())
    .filter(Boolean);
  const [bad] = unwatchableKinds(kinds);
  if (bad !== undefined || kinds.length === 0)
    throw new UsageError(`--watch-account takes kinds among ${DISCOVERABLE_KINDS.join(", ")}`);
  return [...new Set(kinds)] as TaskKind[];
}
