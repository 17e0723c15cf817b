import { DELTA_SLACK_MS, NUDGE_LOOK_MS, type OpenTasks } from "./open-tasks.js";
import type { TaskStore } from "./ports.js";

export interface OpenTaskReadsDeps {
  store: Pick<TaskStore, "queryDue" | "shards">;
  now: () => number;
  random: () => number;
  sleep: (ms: number) => Promise<void>;
}

/**
 * How one run keeps its memory of the open tasks (open-tasks.ts) in step with the table: the open
 * tasks read whole once, then only what was registered, nudged or written since the last read.
 */
export class OpenTaskReads {
  /** When the last read started. */
  private since = 0;

  constructor(
    private readonly deps: OpenTaskReadsDeps,
    private readonly memory: OpenTasks,
    private readonly opts: {
      pageSize: number;
      /** Over how long the looks of long-overdue tasks the memory did not know are spread (a cold start). */
      spreadMs: number;
      /** No read starts a page after this. */
      endAt: number;
    },
  ) {}

  /** Every open task (every shard of the due index); tasks the table no longer holds open are forgotten. */
  async whole(): Promise<void> {
    const at = this.deps.now();
    const { ids, complete } = await this.range({});
    if (complete) this.memory.keepOnly(ids);
    this.since = at;
  }

  /** What became due since the last read, up to now (a short look back covers index lag). */
  async changed(): Promise<void> {
    const at = this.deps.now();
    // Up to now: a task written to be looked at later (by this run, mostly) is read when that comes.
    await this.range({ from: this.since - DELTA_SLACK_MS, to: at });
    this.since = at;
  }

  /**
   * Waits until `until`. While TwelveLabs' webhooks feed a kind, it reads what changed every
   * NUDGE_LOOK_MS meanwhile and returns as soon as a webhook made a task due: a running poller is
   * not woken by the table's stream (it holds the lease), so it looks for itself.
   */
  async pause(until: number): Promise<void> {
    if (!this.memory.fedByWebhooks()) {
      const wait = until - this.deps.now();
      if (wait > 0) await this.deps.sleep(wait);
      return;
    }
    while (this.deps.now() < until) {
      await this.deps.sleep(Math.min(NUDGE_LOOK_MS, until - this.deps.now()));
      await this.changed();
      if (this.memory.nudgedDue(this.deps.now())) return;
    }
  }

  private async range(range: {
    from?: number;
    to?: number;
  }): Promise<{ ids: Set<string>; complete: boolean }> {
    const { store, now, random } = this.deps;
    const shards = Array.from({ length: store.shards }, (_, i) => String(i));
    const ids = new Set<string>();
    let complete = true;
    await Promise.all(
      shards.map(async (shard) => {
        let cursor: string | undefined;
        do {
          const page = await store.queryDue(shard, range, this.opts.pageSize, cursor);
          for (const t of page.items) {
            ids.add(t.taskId);
            this.memory.merge(t, now(), this.opts.spreadMs, random);
          }
          cursor = page.cursor;
        } while (cursor && now() < this.opts.endAt);
        if (cursor) complete = false;
      }),
    );
    return { ids, complete };
  }
}
