import { seededRandom } from "../local/simulator/sim-faults.js";

/** One TwelveLabs task of a benchmark workload; times in ms from the workload's start. */
export interface WorkloadTask {
  createdAt: number;
  processingMs: number;
  videoSec: number;
  fate: "ready" | "failed";
}

export interface Workload {
  name: string;
  description: string;
  tasks: WorkloadTask[];
}

/** W1 (issue 9): a burst of 100 `embed` tasks created over 20 s, 15-90 s of processing, 10% failing. */
export function workloadW1(seed = 1): Workload {
  const random = seededRandom(seed);
  const tasks = Array.from({ length: 100 }, (_, i) => {
    const processingMs = Math.round(15_000 + random() * 75_000);
    return {
      createdAt: Math.round(random() * 20_000),
      processingMs,
      // The video's duration as the schedule would read it (processing ~ 0.5 s per video second + 10 s).
      videoSec: Math.max(1, Math.round((processingMs - 10_000) / 500)),
      fate: i % 10 === 9 ? ("failed" as const) : ("ready" as const),
    };
  });
  return {
    name: "W1",
    description: "100 embed tasks created over 20 s, 15-90 s of processing, 10% failing",
    tasks,
  };
}

/**
 * W2 (issue 9): 1,000 `embed` tasks created over an hour, videos of 10-600 s. Processing takes
 * 0.5 s per video second + 10 s, times a factor in [0.7, 1.3] (the schedule's estimate is not exact).
 */
export function workloadW2(seed = 2): Workload {
  const random = seededRandom(seed);
  const tasks = Array.from({ length: 1000 }, () => {
    const videoSec = Math.round(10 + random() * 590);
    return {
      createdAt: Math.round(random() * 3600_000),
      processingMs: Math.round((videoSec * 500 + 10_000) * (0.7 + 0.6 * random())),
      videoSec,
      fate: random() < 0.1 ? ("failed" as const) : ("ready" as const),
    };
  });
  return { name: "W2", description: "1,000 embed tasks created over an hour, videos of 10-600 s", tasks };
}

export function percentile(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))] ?? 0;
}
