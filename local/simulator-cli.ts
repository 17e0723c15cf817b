import { parseArgs } from "node:util";
import { parseModes, type SimModes, STRICT_MODES } from "./simulator/sim-modes.js";
import { TwelveLabsSimulator } from "./simulator/simulator-server.js";

/** `npm run simulator -- --port 4010`: the TwelveLabs simulator on its own. */
const USAGE = `Usage: npm run simulator -- [--port 4010] [--api-key KEY] [--not-found-style 400|404] [--latency MS] [--rpm N] [--demo]
    readings of what the spec leaves open (default: the lenient one of each):
    [--stale-lists MS] [--status-filter both|comma|repeated] [--created-at at-or-after|same-day]
    [--window-bounds inclusive|exclusive] [--strict (all of the strict readings, lists 3 s stale)]`;

function main(): void {
  let args: ReturnType<typeof parse>;
  try {
    args = parse();
  } catch (err) {
    console.error(`simulator: ${(err as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  const { values } = args;
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    fail(`--port must be 0..65535, got "${values.port}"`);
  const style = values["not-found-style"];
  if (style !== "400" && style !== "404") fail(`--not-found-style must be 400 or 404`);
  const latency = Number(values.latency);
  if (!Number.isFinite(latency) || latency < 0) fail("--latency must be a non-negative number of ms");
  const rpm = values.rpm === undefined ? undefined : Number(values.rpm);
  if (rpm !== undefined && (!Number.isInteger(rpm) || rpm < 1)) fail("--rpm must be a positive integer");

  let modes: Partial<SimModes> = values.strict ? { ...STRICT_MODES } : {};
  try {
    const raw: Record<string, unknown> = {};
    if (values["stale-lists"] !== undefined) raw.listStalenessMs = Number(values["stale-lists"]);
    if (values["status-filter"] !== undefined) raw.statusFilterForm = values["status-filter"];
    if (values["created-at"] !== undefined) raw.createdAtReading = values["created-at"];
    if (values["window-bounds"] !== undefined) raw.windowBounds = values["window-bounds"];
    modes = { ...modes, ...parseModes(raw) };
  } catch (err) {
    fail((err as Error).message);
  }
  const sim = new TwelveLabsSimulator({
    modes,
    apiKey: values["api-key"],
    notFoundStyle: style,
    latencyMs: latency,
    rpmLimit: rpm,
  });
  sim.start(port).then(
    (url) => {
      console.log(`TwelveLabs simulator (not the real API) listening at ${url}`);
      console.log(`  API key: ${sim.apiKey}   (send it as x-api-key)`);
      console.log(`  create a task: curl -X POST ${sim.origin}/_sim/tasks -d '{"kind":"embed"}'`);
      console.log(`  call log:      curl ${sim.origin}/_sim/calls`);
      console.log(`  readings:      ${JSON.stringify(sim.modes)} (change: POST ${sim.origin}/_sim/modes)`);
      if (values.demo) {
        const ready = sim.addTask({ kind: "embed" });
        const failed = sim.addTask({
          kind: "embed",
          timeline: [
            { status: "processing", afterMs: 0 },
            { status: "failed", afterMs: 15_000 },
          ],
        });
        console.log(`  demo tasks: ${ready.id} (ready in 20 s), ${failed.id} (failed in 15 s)`);
      }
      const stop = () => {
        sim.close().then(() => process.exit(0));
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    },
    (err: NodeJS.ErrnoException) => {
      fail(err.code === "EADDRINUSE" ? `port ${port} is already in use` : err.message);
    },
  );
}

function parse() {
  return parseArgs({
    options: {
      port: { type: "string", default: "4010" },
      "api-key": { type: "string" },
      "not-found-style": { type: "string", default: "400" },
      latency: { type: "string", default: "0" },
      rpm: { type: "string" },
      demo: { type: "boolean", default: false },
      strict: { type: "boolean", default: false },
      "stale-lists": { type: "string" },
      "status-filter": { type: "string" },
      "created-at": { type: "string" },
      "window-bounds": { type: "string" },
      help: { type: "boolean", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
}

function fail(message: string): never {
  console.error(`simulator: ${message}`);
  process.exit(2);
}

main();
