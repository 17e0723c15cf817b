import { parseArgs } from "node:util";
import { runChaos } from "./chaos.js";

/** `npm run chaos [-- --tasks 1000 --seed 1 --max-seconds 600]`: exits 1 when a must-be-zero figure is not zero. */
const { values } = parseArgs({
  options: {
    tasks: { type: "string", default: "1000" },
    seed: { type: "string", default: "1" },
    "max-seconds": { type: "string", default: "600" },
  },
});
const tasks = Number(values.tasks);
const seed = Number(values.seed);
const maxSeconds = Number(values["max-seconds"]);
if (![tasks, seed, maxSeconds].every((n) => Number.isInteger(n) && n > 0)) {
  console.error("chaos: --tasks, --seed and --max-seconds take positive whole numbers");
  process.exit(2);
}
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
const r = await runChaos({ tasks, seed, maxSeconds, log: (l) => console.log(l) });
const pct = (n: number) => `${((100 * n) / r.tasks).toFixed(1)}%`;
console.log(`
chaos: ${r.tasks} tasks, ${r.runs} runs (${r.crashedRuns} crashed after a transition write), ${r.calls} TwelveLabs calls, ${r.seconds} s
faults injected: ${Object.entries(r.faults)
  .map(([k, v]) => `${k} ${v}`)
  .join(", ")}; failed publishes ${r.publishFailures}
lost                        ${r.lost}   (must be 0)
wrong                       ${r.wrong}   (must be 0)
duplicates                  ${r.duplicates} = ${pct(r.duplicates)}   (target <= 1%)
calls before a Retry-After  ${r.callsBeforeRetryAfter}   (must be 0)`);
const failed = r.lost + r.wrong + r.callsBeforeRetryAfter > 0;
console.log(failed ? "chaos: FAILED" : "chaos: passed");
process.exit(failed ? 1 : 0);
