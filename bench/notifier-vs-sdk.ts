import { writeFileSync } from "node:fs";
import { DEFAULT_BATCH_MIN_DUE, PASSES_PER_MINUTE } from "../functions/core/deployment-defaults.js";
import { STRICT_MODES } from "../local/simulator/sim-modes.js";
import { type BenchOutcome, runNotifierVirtual } from "./notifier-virtual.js";
import { runSdkPeer, type SdkOutcome } from "./sdk-peer.js";
import { type Workload, workloadW1, workloadW2 } from "./workloads.js";

interface Row {
  workload: string;
  who: string;
  modes: string;
  callsPerTask: number;
  p50Ms: number;
  p95Ms: number;
  wrong: number;
  lost: number;
  duplicates: number;
  passesPerMinute?: number;
}

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
  writeFileSync(svgPath, chart(rows));
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

/** A small SVG: calls per task (log scale) against p95 delay, one panel per workload. */
function chart(rows: Row[]): string {
  const W = 360;
  const H = 260;
  const pad = { l: 50, r: 20, t: 30, b: 40 };
  const panels = ["W1", "W2"].map((name, i) => {
    const rs = rows.filter((r) => r.workload === name);
    const maxDelay = Math.max(10, ...rs.map((r) => r.p95Ms / 1000)) * 1.1;
    const x = (calls: number) => pad.l + ((Math.log10(calls) + 1) / 3) * (W - pad.l - pad.r); // 0.1 .. 100
    const y = (sec: number) => H - pad.b - (sec / maxDelay) * (H - pad.t - pad.b);
    const series = (modes: string, color: string) => {
      const pts = rs.filter((r) => r.modes === modes).sort((a, b) => a.callsPerTask - b.callsPerTask);
      const line = pts
        .map((r) => `${x(r.callsPerTask).toFixed(1)},${y(r.p95Ms / 1000).toFixed(1)}`)
        .join(" ");
      const dots = pts
        .map(
          (r) =>
            `<circle cx="${x(r.callsPerTask).toFixed(1)}" cy="${y(r.p95Ms / 1000).toFixed(1)}" r="3.5" fill="${color}"><title>${r.who} (${modes}): ${r.callsPerTask.toFixed(2)} calls/task, p95 ${(r.p95Ms / 1000).toFixed(1)} s</title></circle>`,
        )
        .join("");
      return `<polyline points="${line}" fill="none" stroke="${color}" stroke-width="1.5"/>${dots}`;
    };
    const ticksX = [0.1, 1, 10, 100]
      .map((v) => `<text x="${x(v)}" y="${H - pad.b + 16}" font-size="10" text-anchor="middle">${v}</text>`)
      .join("");
    const ticksY = [0, 0.25, 0.5, 0.75, 1]
      .map((f) => {
        const v = f * maxDelay;
        return `<text x="${pad.l - 6}" y="${y(v) + 3}" font-size="10" text-anchor="end">${v.toFixed(0)}</text><line x1="${pad.l}" x2="${W - pad.r}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/>`;
      })
      .join("");
    const goal = GOALS[name];
    const goalLine = goal
      ? `<line x1="${pad.l}" x2="${W - pad.r}" y1="${y(goal.p95Ms / 1000)}" y2="${y(goal.p95Ms / 1000)}" stroke="#999" stroke-dasharray="4 3"/><text x="${W - pad.r}" y="${y(goal.p95Ms / 1000) - 4}" font-size="9" text-anchor="end" fill="#666">goal p95</text>`
      : "";
    const sdk = rs.find((r) => r.passesPerMinute === undefined);
    const sdkDot = sdk
      ? `<rect x="${x(sdk.callsPerTask) - 4}" y="${y(sdk.p95Ms / 1000) - 4}" width="8" height="8" fill="#d62728"><title>SDK waitForDone: ${sdk.callsPerTask.toFixed(1)} calls/task, p95 ${(sdk.p95Ms / 1000).toFixed(1)} s</title></rect>`
      : "";
    return `<g transform="translate(${i * W},0)"><text x="${W / 2}" y="18" font-size="13" text-anchor="middle">${name}</text>${ticksY}${ticksX}${goalLine}<line x1="${pad.l}" y1="${H - pad.b}" x2="${W - pad.r}" y2="${H - pad.b}" stroke="#333"/><line x1="${pad.l}" y1="${pad.t}" x2="${pad.l}" y2="${H - pad.b}" stroke="#333"/>${series("lenient", "#1f77b4")}${series("strict", "#ff7f0e")}${sdkDot}<text x="${(W + pad.l) / 2}" y="${H - 8}" font-size="11" text-anchor="middle">TwelveLabs calls per task (log)</text><text x="14" y="${H / 2}" font-size="11" text-anchor="middle" transform="rotate(-90 14 ${H / 2})">p95 delay (s)</text></g>`;
  });
  const legend = `<g transform="translate(${W * 2 - 300},${H + 4})" font-size="11"><circle cx="6" cy="6" r="4" fill="#1f77b4"/><text x="14" y="10">notifier, lenient readings</text><circle cx="6" cy="22" r="4" fill="#ff7f0e"/><text x="14" y="26">notifier, strict readings</text><rect x="175" y="2" width="8" height="8" fill="#d62728"/><text x="187" y="10">SDK waitForDone</text></g>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W * 2}" height="${H + 36}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>${panels.join("")}${legend}</svg>\n`;
}
