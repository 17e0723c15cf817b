import { BENCH_LIFECYCLE } from "../../bench/call-efficiency.js";
import type { PollerSettings } from "../../functions/core/poll-run.js";

/** A poll run's settings for tests in virtual time: one pass, batched checks from two due tasks, no call budget. */
export const SETTINGS: PollerSettings = {
  ...BENCH_LIFECYCLE,
  concurrency: 8,
  maxTasksPerPass: 10_000,
  pageSize: 100,
  passes: 1,
  passIntervalMs: 6_000,
  batchMinDue: 2,
  batchLookbackMs: 3600_000,
  maxOutboxPerPass: 50,
  watchKinds: [],
  defaultDeadlineSeconds: 24 * 3600,
};
