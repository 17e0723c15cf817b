/*
 * Capacity within a rate limit (issue 19). TwelveLabs limits calls per minute by plan; the poller
 * keeps its own calls under `callsPerMinute` (a stage setting) over any sliding minute, so a stage
 * watching many tasks slows its looks instead of hitting 429s:
 * - a kind's running list (membership) is read at most every `pages × 60 s / (perMinute × LIST_SHARE)`,
 *   so 10,000 running tasks (200 pages) at 1,000 calls a minute are all looked at every 15 s;
 * - per-task checks take what is left, the oldest due first across every kind; the rest stay due
 *   for the next pass (nothing starves: a task only gets older).
 */

/** The most of the budget the running lists may use; the rest is for the tasks that left them and per-task checks. */
export const LIST_SHARE = 0.8;

export class CallBudget {
  private readonly spent: Array<{ at: number; calls: number; list: boolean }> = [];
  /** Per list group: when its running list was last read, and what that look cost. */
  private readonly looks = new Map<string, { at: number; calls: number }>();

  constructor(readonly perMinute: number) {}

  /** Calls still allowed in the minute ending at `now` (infinite without a budget). */
  left(now: number): number {
    if (this.perMinute <= 0) return Number.POSITIVE_INFINITY;
    return Math.max(0, this.perMinute - this.used(now, () => true));
  }

  /** Records calls made at `now`; `list`: the running lists' (the rest is per-task checks). */
  spend(now: number, calls: number, list = false): void {
    if (this.perMinute > 0 && calls > 0) this.spent.push({ at: now, calls, list });
  }

  /**
   * How often a list may be read whose look costs `lookCalls` (its pages, and the checks of the
   * tasks that left it): every pass while it is cheap; when it is long, so that looks fit the
   * budget (at most LIST_SHARE of it for the looks, the rest for other checks).
   */
  listEveryMs(lookCalls: number, passIntervalMs: number, now: number): number {
    if (this.perMinute <= 0) return passIntervalMs;
    const others = this.used(now, (s) => !s.list);
    const forLooks = Math.max(
      this.perMinute * (1 - LIST_SHARE),
      Math.min(this.perMinute * LIST_SHARE, this.perMinute - others),
    );
    return Math.max(passIntervalMs, Math.ceil((lookCalls * 60_000) / forLooks));
  }

  /** The first of `items` the minute still allows a call each for; their calls are spent. */
  take<T>(items: readonly T[], now: number): T[] {
    const allowed = items.slice(0, Math.max(0, Math.floor(Math.min(items.length, this.left(now)))));
    this.spend(now, allowed.length);
    return allowed;
  }

  /**
   * Whether a group's running list (`pages` pages) may be read at `now`: a short one every pass; a
   * long one once its turn comes (listEveryMs, from what its last look cost) and the minute has the
   * pages left. A `true` takes the turn.
   */
  mayLook(group: string, pages: number, passIntervalMs: number, now: number): boolean {
    const last = this.looks.get(group);
    const every = this.listEveryMs(Math.max(pages, last?.calls ?? 0), passIntervalMs, now);
    const waiting =
      every > passIntervalMs && last !== undefined && now - last.at < every - passIntervalMs / 2;
    if (waiting || this.left(now) < pages) return false;
    this.looks.set(group, { at: now, calls: last?.calls ?? 0 });
    return true;
  }

  /** A look was made: its list calls are spent; it cost `lookCalls` with the checks of what it did not name. */
  looked(group: string, now: number, listCalls: number, lookCalls: number): void {
    this.spend(now, listCalls, true);
    const look = this.looks.get(group);
    if (look) look.calls = lookCalls;
  }

  private used(now: number, which: (s: { list: boolean }) => boolean): number {
    while (this.spent.length > 0 && (this.spent[0]?.at ?? 0) <= now - 60_000) this.spent.shift();
    let used = 0;
    for (const s of this.spent) if (which(s)) used += s.calls;
    return used;
  }
}
