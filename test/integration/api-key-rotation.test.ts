import { afterAll, beforeAll, expect, test } from "vitest";
import { apiKeyProvider } from "../../functions/adapters/secrets-manager-api-key.js";
import { TwelveLabsClient } from "../../functions/adapters/twelvelabs-client.js";
import { TwelveLabsAuthError } from "../../functions/core/twelvelabs-errors.js";
import { TwelveLabsSimulator } from "../../local/simulator/simulator-server.js";
import { startSecretsManagerStandIn } from "../support/secrets-manager-standin.js";

/*
 * Key rotation, through the deployed code path: Powertools Parameters and the AWS SDK against a
 * Secrets Manager stand-in, the real client against the simulator. After a 401 the key is read
 * again past the five-minute cache, once, so a rotated key works on the next call.
 */
const SECRET = "twelvelabs/rotation-test";
const secrets = new Map<string, string>();
let standIn: Awaited<ReturnType<typeof startSecretsManagerStandIn>>;
const sim = new TwelveLabsSimulator({ apiKey: "tlk_old_key" });
let base = "";
const saved: Record<string, string | undefined> = {};
const ENV = ["AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"];

beforeAll(async () => {
  standIn = await startSecretsManagerStandIn(secrets);
  base = await sim.start();
  for (const k of ENV) saved[k] = process.env[k];
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SECRETS_MANAGER: standIn.endpoint,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
  });
});
afterAll(async () => {
  for (const k of ENV) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  await standIn.close();
  await sim.close();
});

test("a rotated key works on the next call: one fresh read after the 401, then the cache again", async () => {
  secrets.set(SECRET, "tlk_old_key");
  const client = new TwelveLabsClient({ baseUrl: base, apiKey: apiKeyProvider({ secretName: SECRET }) });
  try {
    const t = sim.addTask({ kind: "embed" });
    await client.getTask("embed", t.id);
    const reads = () => standIn.calls.filter((c) => c.includes(SECRET)).length;
    expect(reads()).toBe(1);

    // Rotation: the secret holds the new key, TwelveLabs accepts only the new one.
    secrets.set(SECRET, "tlk_new_key");
    sim.apiKey = "tlk_new_key";
    sim.resetCalls();
    const snap = await client.getTask("embed", t.id);
    expect(snap.id).toBe(t.id);
    expect(sim.calls.map((c) => c.status)).toEqual([401, 200]);
    expect(reads()).toBe(2);

    // The cache holds the new key now: no further read.
    await client.getTask("embed", t.id);
    expect(reads()).toBe(2);
  } finally {
    await client.close();
  }
});

test("a key that is still wrong after the fresh read is an authentication failure, read once", async () => {
  // Neither the cached key nor the secret's is what TwelveLabs accepts now.
  secrets.set(SECRET, "tlk_wrong");
  sim.apiKey = "tlk_newest_key";
  const client = new TwelveLabsClient({ baseUrl: base, apiKey: apiKeyProvider({ secretName: SECRET }) });
  try {
    const t = sim.addTask({ kind: "embed" });
    const before = standIn.calls.length;
    sim.resetCalls();
    await expect(client.getTask("embed", t.id)).rejects.toBeInstanceOf(TwelveLabsAuthError);
    expect(sim.calls.map((c) => c.status)).toEqual([401, 401]);
    // The cached read (or the first) and exactly one fresh read.
    expect(standIn.calls.length - before).toBeLessThanOrEqual(2);
  } finally {
    await client.close();
  }
});
