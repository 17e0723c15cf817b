import { writeFileSync } from "node:fs";
import { DEFAULT_BATCH_MIN_DUE, PASSES_PER_MINUTE } from "../functions/core/deployment-defaults.js";
import { STRICT_MODES } from "../local/simulator/sim-modes.js";
import { callsDelayChart, type ChartRow as Row } from "./calls-delay-chart.js";
import { type BenchOutcome, runNotifierVirtual } from "./notifier-virtual.js";
import { runSdkPeer, type SdkOutcome } from "./sdk-peer.js";
import { type Workload, workloadW1, workloadW2 } from "./workloads.js";

const GOALS: Record<string, { fewer: number; p95Ms: number }> = {
  W1: { fewer: 15, p95Ms: 6_000 },
  W2: { fewer: 30, p95Ms: 8_000 },
};

/**
 * Issue 9's workloads side by side: the official SDK's waitForDone loop (the real `twelvelabs-js`
 * package over HTTP to the simulator, time compressed) and the notifier's real poll run (virtual
 * time), at the deployed defaults under the lenient and the strict readings of the spec, plus other
 * cadences for the chart. Writes bench/results/calls-vs-delay.svg.
 */
export async function notifierVsSdk(svgPath: string): Promise<string> {
  const rows: Row[] = [];
  const workloads: Array<[Workload, number]> = [
    [workloadW1(), 20],
    [workloadW2(), 40],
  ];
  for (const [w, timeScale] of workloads) {
    const sdk: SdkOutcome = await runSdkPeer(w, timeScale);
    rows.push({
      workload: w.name,
      who: "twelvelabs-js waitForDone (5 s)",
      modes: "-",
      duplicates: 0,
      ...sdk,
    });
    for (const ppm of [6, 8, PASSES_PER_MINUTE, 12]) {
      for (const [label, modes] of [
        ["lenient", {}],
        ["strict", STRICT_MODES],
      ] as const) {
        const r: BenchOutcome = await runNotifierVirtual(w, {
          passesPerMinute: ppm,
          batchMinDue: DEFAULT_BATCH_MIN_DUE,
          modes,
        });
        rows.push({
          workload: w.name,
          who:
            ppm === PASSES_PER_MINUTE
              ? `notifier, defaults (${ppm} passes/min)`
              : `notifier, ${ppm} passes/min`,
          modes: label,
          passesPerMinute: ppm,
          ...r,
        });
      }
    }
  }
  writeFileSync(
    svgPath,
    callsDelayChart(
      rows,
      ["W1", "W2"].map((name) => ({ name, goalP95Ms: GOALS[name]?.p95Ms })),
    ),
  );
  const sdkOf = (w: string) => rows.find((r) => r.workload === w && r.passesPerMinute === undefined) as Row;
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const table = rows.map((r) => {
    const fewer = sdkOf(r.workload).callsPerTask / r.callsPerTask;
    const goal = GOALS[r.workload];
    const isDefault = r.passesPerMinute === PASSES_PER_MINUTE;
    const verdict =
      isDefault && goal
        ? fewer >= goal.fewer && r.p95Ms <= goal.p95Ms
          ? "meets"
          : `misses (${fewer >= goal.fewer ? "" : `calls < ${goal.fewer}x`}${fewer < goal.fewer && r.p95Ms > goal.p95Ms ? ", " : ""}${r.p95Ms > goal.p95Ms ? `p95 > ${s(goal.p95Ms)}` : ""})`
        : "";
    return `| ${r.workload} | ${r.who} | ${r.modes} | ${r.callsPerTask.toFixed(2)} | ${r.passesPerMinute === undefined ? "1x" : `${fewer.toFixed(1)}x`} | ${s(r.p50Ms)} | ${s(r.p95Ms)} | ${r.wrong} | ${r.lost} | ${r.duplicates} | ${verdict} |`;
  });
  return [
    "## Notifier vs the official SDK's waitForDone: calls per task and notification delay",
    "",
    `W1: ${workloadW1().description}. W2: ${workloadW2().description}; processing 0.5 s per video second + 10 s, times 0.7-1.3.`,
    "Every task is registered when it is created. The SDK row runs `twelvelabs-js` 1.3.4's own",
    "`client.embed.tasks.waitForDone` (one status call every 5 s) per task against the simulator over HTTP,",
    "time compressed 20x (W1) and 40x (W2). The notifier rows run the real poll run (cost model, running and",
    "window lists, per-task schedule) in virtual time: a run a minute or when a registration wakes it, passes",
    "evenly spaced. `strict`: lists up to 3 s stale (independently per call), `GET /tasks` status filter read",
    "in the comma form only, `created_at` read as the same day only, exclusive window bounds.",
    "Delay: from the moment the task ended at TwelveLabs to the moment its event was handed to SNS.",
    "Goals (issue 9, defaults): W1 >= 15x fewer calls at p95 <= 6 s; W2 >= 30x at p95 <= 8 s; 0 wrong, 0 lost.",
    "",
    "| load | who | readings | calls/task | fewer calls | p50 delay | p95 delay | wrong | lost | duplicates | goal |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
    ...table,
    "",
    "Chart: `bench/results/calls-vs-delay.svg` (calls per task against p95 delay, both workloads).",
  ].join("\n");
}
