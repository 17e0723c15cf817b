import { PASSES_PER_MINUTE } from "../functions/core/deployment-defaults.js";
import { atDefaults } from "./notifier-virtual.js";
import { percentile, type Workload, workloadW2 } from "./workloads.js";

/** The public samples' loop: GetAsyncInvoke at once, then every 5 s until the status leaves InProgress. */
const LOOP_INTERVAL_MS = 5_000;

/** Calls and delay of the 5-second GetAsyncInvoke loop, one per job, started when the job is (exact, virtual time). */
export function getAsyncInvokeLoop(w: Workload): { callsPerTask: number; p50Ms: number; p95Ms: number } {
  let calls = 0;
  const delays: number[] = [];
  for (const t of w.tasks) {
    // Polls at 0, 5 s, 10 s, ... after creation: the first at or after the end sees it.
    const polls = Math.floor(t.processingMs / LOOP_INTERVAL_MS) + 1;
    const seenAt = (polls - 1) * LOOP_INTERVAL_MS;
    const final = seenAt >= t.processingMs ? polls : polls + 1;
    calls += final;
    delays.push((final - 1) * LOOP_INTERVAL_MS - t.processingMs);
  }
  return {
    callsPerTask: calls / w.tasks.length,
    p50Ms: percentile(delays, 0.5),
    p95Ms: percentile(delays, 0.95),
  };
}

/**
 * W2 as Bedrock async invocations (Marengo on Bedrock): the notifier's real poll run in virtual time,
 * checking through ListAsyncInvokes (1,000 a page) and GetAsyncInvoke, beside a 5-second loop per job.
 */
export async function bedrockVsLoop(): Promise<string> {
  const w = workloadW2();
  const loop = getAsyncInvokeLoop(w);
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const rows = [
    `| 5-second GetAsyncInvoke loop | - | ${loop.callsPerTask.toFixed(2)} | 1x | ${s(loop.p50Ms)} | ${s(loop.p95Ms)} | 0 | 0 | 0 |`,
  ];
  for (const { label, outcome: r } of await atDefaults(w, { kind: "bedrock" })) {
    rows.push(
      `| notifier, defaults (${PASSES_PER_MINUTE} passes/min) | ${label} | ${r.callsPerTask.toFixed(2)} (${r.listCallsPerTask.toFixed(2)} lists) | ${(loop.callsPerTask / r.callsPerTask).toFixed(1)}x | ${s(r.p50Ms)} | ${s(r.p95Ms)} | ${r.wrong} | ${r.lost} | ${r.duplicates} |`,
    );
  }
  return [
    "## Bedrock async invocations: the notifier vs a 5-second GetAsyncInvoke loop (W2 as Bedrock jobs)",
    "",
    `W2 (${w.description}) as Marengo jobs on Bedrock: the same creation times, processing times and fates.`,
    "The loop row is exact arithmetic (a call at the start, then every 5 s until the job has left InProgress).",
    "The notifier rows run the real poll run in virtual time against the simulator's Bedrock endpoints",
    "(ListAsyncInvokes names up to 1,000 running jobs a call; a job that leaves the list is confirmed by its",
    "own GetAsyncInvoke). Strict: lists up to 1.5 s stale, exclusive window bounds.",
    "Command: `npm run bench:bedrock` (or `npm run bench`).",
    "",
    "| who | readings | calls per job | fewer calls | p50 delay | p95 delay | wrong | lost | duplicates |",
    "|---|---|---|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}

if (process.argv[1]?.endsWith("bedrock-vs-loop.ts")) console.log(await bedrockVsLoop());
