import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  DEFAULT_BATCH_MIN_DUE,
  DEFAULT_CALLS_PER_MINUTE,
  PASSES_PER_MINUTE,
} from "../functions/core/deployment-defaults.js";
import { seededRandom } from "../local/simulator/sim-faults.js";
import { STRICT_MODES } from "../local/simulator/sim-modes.js";
import { type NotifierBenchOptions, runNotifierVirtual } from "./notifier-virtual.js";
import type { Workload } from "./workloads.js";

/*
 * `npm run bench:capacity` (issue 19): N tasks running at once, at steady state, in virtual time
 * with the real poll run, under the deployed call budget (1,000 TwelveLabs calls a minute).
 * Tasks already running at the start have every age; new ones arrive as old ones end, so about N
 * run at any moment. In bench/results/capacity.md.
 */

/** `running` tasks at once, each running `minMin`-`maxMin` minutes, for `minutes` of virtual time. */
function steadyState(
  name: string,
  running: number,
  minMin: number,
  maxMin: number,
  minutes: number,
  seed: number,
): Workload {
  const random = seededRandom(seed);
  const meanMs = ((minMin + maxMin) / 2) * 60_000;
  const duration = () => Math.round((minMin + random() * (maxMin - minMin)) * 60_000);
  const tasks: Workload["tasks"] = [];
  // Those running at the start: created at every age up to their duration.
  for (let i = 0; i < running; i++) {
    const processingMs = duration();
    tasks.push({
      createdAt: -Math.round(random() * processingMs),
      processingMs,
      videoSec: 60,
      fate: "ready",
    });
  }
  // New ones at the rate old ones end (running / mean duration).
  const perMs = running / meanMs;
  for (let at = 0; at < minutes * 60_000; at += 1 / perMs)
    tasks.push({ createdAt: Math.round(at), processingMs: duration(), videoSec: 60, fate: "ready" });
  return { name, description: name, tasks };
}

export async function capacity(): Promise<string> {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const minutes = 12;
  const rows: string[] = [];
  const embed = steadyState("embed-10k", 10_000, 20, 40, minutes, 1);
  const cases: Array<[string, Workload, Partial<NotifierBenchOptions>]> = [
    ["10,000 embed tasks (20-40 min each)", embed, {}],
    ["the same, a budget of 1,500 calls a minute", embed, { callsPerMinute: 1_500 }],
    ["the same, a budget of 2,000 calls a minute", embed, { callsPerMinute: 2_000 }],
    [
      "1,000 index tasks (5-15 min each), polled",
      steadyState("index-1k", 1_000, 5, 15, minutes, 2),
      { kind: "index" },
    ],
    [
      "1,000 index tasks (5-15 min each), TwelveLabs webhooks",
      steadyState("index-1k-hooks", 1_000, 5, 15, minutes, 2),
      { kind: "index", webhookLatencyMs: 1_000 },
    ],
  ];
  for (const [label, w, o] of cases) {
    const started = Date.now();
    const r = await runNotifierVirtual(w, {
      passesPerMinute: PASSES_PER_MINUTE,
      batchMinDue: DEFAULT_BATCH_MIN_DUE,
      modes: STRICT_MODES,
      callsPerMinute: DEFAULT_CALLS_PER_MINUTE,
      stopAtMs: minutes * 60_000,
      ...o,
    });
    rows.push(
      `| ${label} | ${Math.round(r.callsPerMinute)} | ${s(r.p50Ms)} | ${s(r.p95Ms)} | ${Math.round(r.readsPerMinute)} | ${Math.round(r.writesPerMinute)} | ${r.wrong} | ${r.lost} | ${r.duplicates} | ${((Date.now() - started) / 1000).toFixed(0)} s |`,
    );
  }
  return [
    "## Capacity within a rate limit (issue 19)",
    "",
    `Steady state in virtual time: the real poll run at the deployed defaults (${PASSES_PER_MINUTE} passes a minute, a budget of`,
    `${DEFAULT_CALLS_PER_MINUTE.toLocaleString("en")} TwelveLabs calls a minute), strict readings, ${minutes} minutes; per-minute figures from the`,
    "second half, delays of the tasks that ended then. DynamoDB reads and writes are items (the in-memory store counts them",
    "as the adapter makes them). Command: `npm run bench:capacity`. Goal: 10,000 concurrent embed tasks at p95 <= 20 s",
    "within 1,000 calls a minute.",
    "",
    "| load | TwelveLabs calls/min | p50 delay | p95 delay | DynamoDB item reads/min | writes/min | wrong | lost | duplicates | bench time |",
    "|---|---|---|---|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}

if (process.argv[1]?.endsWith("capacity.ts")) {
  const text = await capacity();
  console.log(text);
  writeFileSync(join(dirname(fileURLToPath(import.meta.url)), "results", "capacity.md"), `${text}\n`);
  process.exit(0);
}
