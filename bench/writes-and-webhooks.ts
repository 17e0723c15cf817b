import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_BATCH_MIN_DUE, PASSES_PER_MINUTE } from "../functions/core/deployment-defaults.js";
import { WEBHOOK_SAFETY_NET_MS } from "../functions/core/open-tasks.js";
import { seededRandom } from "../local/simulator/sim-faults.js";
import { STRICT_MODES } from "../local/simulator/sim-modes.js";
import { type NotifierBenchOptions, runNotifierVirtual } from "./notifier-virtual.js";
import type { Workload } from "./workloads.js";

/*
 * `npm run bench:writes` (issue 19): DynamoDB writes per task whatever its duration (a look that
 * changes nothing writes nothing), and TwelveLabs' webhooks as a fast path for indexing tasks. The
 * real poll run in virtual time at the deployed defaults, strict readings. In bench/results/writes-and-webhooks.md.
 */

function steady(
  name: string,
  count: number,
  processingMs: (r: () => number) => number,
  seed: number,
  spanMs = 60_000,
): Workload {
  const random = seededRandom(seed);
  return {
    name,
    description: name,
    tasks: Array.from({ length: count }, () => ({
      createdAt: Math.round(random() * spanMs),
      processingMs: processingMs(random),
      videoSec: Math.round(10 + random() * 590),
      fate: random() < 0.1 ? ("failed" as const) : ("ready" as const),
    })),
  };
}

const run = (w: Workload, o: Partial<NotifierBenchOptions>) =>
  runNotifierVirtual(w, {
    passesPerMinute: PASSES_PER_MINUTE,
    batchMinDue: DEFAULT_BATCH_MIN_DUE,
    modes: STRICT_MODES,
    ...o,
  });

export async function writesAndWebhooks(): Promise<string> {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const rows: string[] = [];
  const cases: Array<[string, Workload, Partial<NotifierBenchOptions>]> = [
    ["embed, 5 minutes", steady("embed-5min", 100, () => 300_000, 1), {}],
    ["embed, 2 hours", steady("embed-2h", 20, () => 7_200_000, 2), {}],
    ["index, 5 minutes", steady("index-5min", 100, () => 300_000, 3), { kind: "index" }],
    ["index, 2 hours", steady("index-2h", 20, () => 7_200_000, 4), { kind: "index" }],
  ];
  for (const [label, w, o] of cases) {
    const r = await run(w, o);
    rows.push(
      `| ${label} | ${w.tasks.length} | ${r.writesPerTask.toFixed(2)} | ${r.readsPerTask.toFixed(1)} | ${r.callsPerTask.toFixed(2)} | ${s(r.p95Ms)} | ${r.wrong} | ${r.lost} | ${r.duplicates} |`,
    );
  }
  const hookRows: string[] = [];
  // 200 indexing tasks over 10 minutes, 1-10 minutes each (independent of the video): webhooks 1 s after the end.
  const indexing = steady("index-webhooks", 200, (r) => 60_000 + Math.round(r() * 540_000), 5, 600_000);
  for (const [label, o] of [
    ["polling only", { kind: "index" as const }],
    ["TwelveLabs webhooks (1 s after the end)", { kind: "index" as const, webhookLatencyMs: 1_000 }],
  ] as const) {
    const r = await run(indexing, o);
    const fromHook = (ms: number) => ("webhookLatencyMs" in o ? ms - o.webhookLatencyMs : ms);
    hookRows.push(
      `| ${label} | ${r.callsPerTask.toFixed(2)} | ${s(r.p50Ms)} | ${s(r.p95Ms)} | ${"webhookLatencyMs" in o ? s(fromHook(r.p95Ms)) : "-"} | ${r.writesPerTask.toFixed(2)} | ${r.readsPerTask.toFixed(1)} | ${r.wrong} | ${r.lost} | ${r.duplicates} |`,
    );
  }
  return [
    "## Writes follow changes, and TwelveLabs' webhooks (issue 19)",
    "",
    `The real poll run in virtual time at the deployed defaults (${PASSES_PER_MINUTE} passes a minute), strict readings; the store counts`,
    "every item write and read as the DynamoDB adapter makes them (registration, transitions with their outbox",
    "entry, the outbox cleared in one write; TTL expiry is free and not counted). Command: `npm run bench:writes`.",
    "Goal: at most 4 writes per task whatever its duration.",
    "",
    "| tasks | count | DynamoDB writes/task | reads/task | TwelveLabs calls/task | p95 delay | wrong | lost | duplicates |",
    "|---|---|---|---|---|---|---|---|---|",
    ...rows,
    "",
    "Embed: registration, `processing`, the final status with its event, the outbox cleared: 4. Index tasks",
    "pass through more statuses (`indexing`, `ready`), each written once: the count follows the statuses, not the duration.",
    "",
    `Indexing tasks with TwelveLabs' webhooks (200 over 10 minutes, 1-10 minutes each). While events arrive, the kind is polled`,
    `only as a safety net (every ${WEBHOOK_SAFETY_NET_MS / 60_000} minutes); each event makes its task due and wakes the poller (1 s modelled`,
    "for the table stream and a Lambda start; a run already going looks for nudged tasks every second between",
    "passes); the status still comes from the task's own status call. Steady state:",
    "the account's webhooks were already arriving when the workload began.",
    "Goals: <= 1.2 TwelveLabs calls per task; every notification within 3 s of its webhook.",
    "",
    "| indexing tasks | calls/task | p50 delay (from the end) | p95 delay (from the end) | p95 from the webhook | writes/task | reads/task | wrong | lost | duplicates |",
    "|---|---|---|---|---|---|---|---|---|---|",
    ...hookRows,
  ].join("\n");
}

if (process.argv[1]?.endsWith("writes-and-webhooks.ts")) {
  const text = await writesAndWebhooks();
  console.log(text);
  writeFileSync(
    join(dirname(fileURLToPath(import.meta.url)), "results", "writes-and-webhooks.md"),
    `${text}\n`,
  );
  process.exit(0);
}
