import { writeFileSync } from "node:fs";
import { DEFAULT_BATCH_MIN_DUE, PASSES_PER_MINUTE } from "../functions/core/deployment-defaults.js";
import { STRICT_MODES } from "../local/simulator/sim-modes.js";
import { runNotifierVirtual } from "./notifier-virtual.js";
import { workloadW1, workloadW2 } from "./workloads.js";

/**
 * The cost of watching the account (issue 13): issue 9's workloads with nothing registered, the
 * poller discovering every task through the list endpoints, beside the same workloads registered.
 * Calls per task include discovery's list calls; delay is from the end at TwelveLabs to SNS.
 */
export async function discoveryCost(): Promise<string> {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const rows: string[] = [];
  for (const w of [workloadW1(), workloadW2()]) {
    for (const [label, modes] of [
      ["lenient", {}],
      ["strict", STRICT_MODES],
    ] as const) {
      for (const watchAccount of [false, true]) {
        const r = await runNotifierVirtual(w, {
          passesPerMinute: PASSES_PER_MINUTE,
          batchMinDue: DEFAULT_BATCH_MIN_DUE,
          modes,
          watchAccount,
        });
        rows.push(
          `| ${w.name} | ${watchAccount ? "watching the account (nothing registered)" : "every task registered"} | ${label} | ${r.callsPerTask.toFixed(2)} | ${r.listCallsPerTask.toFixed(2)} | ${s(r.p50Ms)} | ${s(r.p95Ms)} | ${r.wrong} | ${r.lost} | ${r.duplicates} |`,
        );
      }
    }
  }
  return [
    "## Watching the account: the cost of discovery",
    "",
    "Issue 9's workloads (W1 and W2, embed tasks) at the deployed defaults, in virtual time. `watching`: nothing",
    "is registered; every pass lists the kind newest first down to the last complete scan less 2 minutes, and",
    "registers what it finds (due at once). Runs come at each minute's tick (no registration wakes the poller).",
    "Calls per task count every TwelveLabs call, discovery's lists included.",
    "",
    "| load | how tasks are known | readings | calls/task | list calls/task | p50 delay | p95 delay | wrong | lost | duplicates |",
    "|---|---|---|---|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}

// `npm run bench:discovery`: this section alone, written to bench/results/discovery.md.
if (import.meta.url === `file://${process.argv[1]}`) {
  const out = await discoveryCost();
  console.log(out);
  writeFileSync(new URL("./results/discovery.md", import.meta.url), `${out}\n`);
  process.exit(0);
}
