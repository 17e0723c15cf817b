import type { PollerHandler } from "../functions/poller-handler.js";

/**
 * The poller in local mode: one pass every `intervalMs` (the deployed pass cadence by default),
 * measured from the start of the previous pass as in a deployed run; two passes never overlap.
 * Returns a stop function that waits for the pass in progress.
 */
export function startPollerLoop(
  handler: PollerHandler,
  intervalMs: number,
  print: (line: string) => void,
): { stop: () => Promise<void>; wake: () => void } {
  let stopping = false;
  let running = false;
  let wakeAfter = false;
  let current: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    running = true;
    wakeAfter = false;
    const startedAt = Date.now();
    current = handler({}, { getRemainingTimeInMillis: () => Math.max(10_000, intervalMs * 4) })
      .then((r) => {
        if ("skipped" in r) return;
        if (r.tasksChecked > 0 || r.outboxRepublished > 0) {
          print(
            `[poller] checked ${r.tasksChecked}, ${r.transitions} changed, ${r.eventsPublished} published (${r.durationMs} ms)`,
          );
        }
      })
      .catch((err: Error) => print(`[poller] run failed: ${err.message}`))
      .finally(() => {
        running = false;
        if (stopping) return;
        timer = setTimeout(tick, wakeAfter ? 0 : Math.max(0, startedAt + intervalMs - Date.now()));
      });
  };
  tick();
  return {
    stop: async () => {
      stopping = true;
      if (timer) clearTimeout(timer);
      await current;
    },
    // A task was made due (a TwelveLabs webhook): a pass now, or right after the one in progress.
    wake: () => {
      if (stopping) return;
      if (running) {
        wakeAfter = true;
        return;
      }
      if (timer) clearTimeout(timer);
      tick();
    },
  };
}
