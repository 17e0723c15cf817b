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
): () => Promise<void> {
  let stopping = false;
  let current: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
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
        if (!stopping) timer = setTimeout(tick, Math.max(0, startedAt + intervalMs - Date.now()));
      });
  };
  tick();
  return async () => {
    stopping = true;
    if (timer) clearTimeout(timer);
    await current;
  };
}
