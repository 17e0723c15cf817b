import { seededRandom } from "../local/simulator/sim-faults.js";
import type { Workload, WorkloadTask } from "./workloads.js";

/*
 * Workloads that do not flatter the notifier (issue 19): processing time independent of the video's
 * duration (which is all the schedule's prediction reads), a long tail (10% take 3-10x the median),
 * and a queueing burst where every task waits behind a shared backlog.
 */

const fate = (random: () => number): WorkloadTask["fate"] => (random() < 0.1 ? "failed" : "ready");

/** A processing time around `medianMs` (0.5-1.5x), one task in ten 3-10x longer. */
function blindProcessing(random: () => number, medianMs: number): number {
  const base = medianMs * (0.5 + random());
  return Math.round(random() < 0.1 ? base * (3 + 7 * random()) : base);
}

/** `count` embed tasks created over `spanMs`, processing around `medianMs` whatever the 10-600 s videos say. */
function blindWorkload(
  name: string,
  count: number,
  spanMs: number,
  medianMs: number,
  seed: number,
  description: string,
): Workload {
  const random = seededRandom(seed);
  const tasks = Array.from({ length: count }, () => ({
    createdAt: Math.round(random() * spanMs),
    processingMs: blindProcessing(random, medianMs),
    videoSec: Math.round(10 + random() * 590),
    fate: fate(random),
  }));
  return { name, description, tasks };
}

/** W1, prediction-blind: 100 embed tasks over 20 s, median 45 s of processing. */
export function workloadW1Blind(seed = 11): Workload {
  return blindWorkload(
    "W1-blind",
    100,
    20_000,
    45_000,
    seed,
    "100 embed tasks over 20 s; processing about 45 s (0.5-1.5x) whatever the video's duration, 10% taking 3-10x",
  );
}

/** W2, prediction-blind: 1,000 embed tasks over an hour, median 150 s. */
export function workloadW2Blind(seed = 12): Workload {
  return blindWorkload(
    "W2-blind",
    1000,
    3600_000,
    150_000,
    seed,
    "1,000 embed tasks over an hour; processing about 150 s (0.5-1.5x) whatever the video's duration (10-600 s), 10% taking 3-10x",
  );
}

/**
 * A queueing burst: 300 embed tasks created within a minute, short videos (the prediction says
 * quick), served by 20 workers of 20-60 s each in creation order: every task waits behind the
 * backlog, up to about ten minutes.
 */
export function workloadBurst(seed = 13): Workload {
  const random = seededRandom(seed);
  const created = Array.from({ length: 300 }, () => Math.round(random() * 60_000)).sort((a, b) => a - b);
  const workers = Array.from({ length: 20 }, () => 0);
  const tasks = created.map((createdAt) => {
    const i = workers.indexOf(Math.min(...workers));
    const start = Math.max(createdAt, workers[i] as number);
    const end = start + Math.round(20_000 + random() * 40_000);
    workers[i] = end;
    return {
      createdAt,
      processingMs: end - createdAt,
      videoSec: Math.round(10 + random() * 50),
      fate: fate(random),
    };
  });
  return {
    name: "Burst",
    description:
      "300 embed tasks within a minute, short videos, behind a shared backlog of 20 workers (20-60 s each)",
    tasks,
  };
}
