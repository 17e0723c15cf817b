// Runs one Lambda bundle's handler the way the Lambda runtime does: a fresh process, the bundle's
// index.mjs imported, handler(event, context) awaited. Prints one RESULT line of JSON.
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [, , bundleDir, eventJson, remainingMs] = process.argv;
const started = performance.now();
const mod = await import(pathToFileURL(join(bundleDir, "index.mjs")).href);
const initMs = performance.now() - started;
const context = {
  functionName: "bundle-under-test",
  awsRequestId: "00000000-0000-0000-0000-000000000000",
  getRemainingTimeInMillis: () => Number(remainingMs ?? 30000),
};
let out;
try {
  const result = await mod.handler(JSON.parse(eventJson), context);
  out = { ok: true, result, node: process.version, initMs };
} catch (err) {
  out = { ok: false, error: { name: err?.name, message: err?.message }, node: process.version, initMs };
}
process.stdout.write(`\nRESULT ${JSON.stringify(out)}\n`);
