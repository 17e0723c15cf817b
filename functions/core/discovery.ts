import type { CallOptions, TwelveLabsPort } from "./ports.js";
import type { TaskSnapshot } from "./snapshot.js";
import type { Task } from "./task.js";
import { kindSpec, pageLimitOf, TASK_KINDS, type TaskKind } from "./task-kinds.js";
import { TwelveLabsAuthError } from "./twelvelabs-errors.js";

/*
 * Watching the account: tasks of the chosen kinds created at TwelveLabs after the mode was turned
 * on are found through the list endpoints and watched as if registered. Discovery only ever adds a
 * task to watch (due at once, `registered`); its status still changes only on positive evidence,
 * through the same checks as any task.
 *
 * Per kind, a mark records when watching began (`enabledAt`: nothing created earlier is taken)
 * and up to when a complete scan has been made (`scannedUntil`). A scan reads the kind's list
 * newest first, every status, no filter whose reading the spec leaves open, until it passes the
 * cutoff: `scannedUntil` less a lag that covers stale lists and clock skew. Only a complete scan
 * moves the mark, forward only (a conditional write), so an outage or a run cut short only delays
 * discovery, and concurrent runs register each task once (registration is a conditional put).
 */

/** How far back each scan looks past the last complete one: list staleness and clock skew. */
export const DISCOVERY_LAG_MS = 2 * 60_000;
/** Pages one pass reads at most (50 tasks each; Bedrock 1,000); a longer backlog goes on over the next passes and runs. */
export const DISCOVERY_MAX_PAGES = 20;

/** Kinds that can be watched: those with an account-wide list (indexed assets are listed per index). */
export const DISCOVERABLE_KINDS: readonly TaskKind[] = TASK_KINDS.filter((k) => !kindSpec(k).needsIndexId);

/** The given kinds that cannot be watched (the stack, the poller and local mode refuse them). */
export function unwatchableKinds(kinds: readonly string[]): string[] {
  return kinds.filter((k) => !(DISCOVERABLE_KINDS as readonly string[]).includes(k));
}

export interface DiscoveryMark {
  kind: TaskKind;
  enabledAt: number;
  scannedUntil: number;
  /** Ids this run already handed to the store (scans overlap by the lag): not written again. */
  known?: Set<string>;
  /** Where an unfinished scan goes on: the next page to read, and when that scan began. */
  resume?: { page: number; startedAt: number };
}

/** Where marks and discovered tasks are kept (the task table in AWS). */
export interface DiscoveryStore {
  /**
   * The marks of the watched kinds: created at `now` for a kind watched for the first time (or
   * again after it was not watched); kinds no longer watched are marked so.
   */
  syncMarks(watched: readonly TaskKind[], now: number): Promise<DiscoveryMark[]>;
  /** Moves the mark forward to `scannedUntil` unless it is already there or beyond; clears any resume point. */
  advanceMark(kind: TaskKind, scannedUntil: number): Promise<void>;
  /** Records where an unfinished scan goes on (kept across runs). */
  saveResume(kind: TaskKind, resume: { page: number; startedAt: number }): Promise<void>;
  /** Stores a task unless its id is known already; `true` when it was new. */
  addDiscovered(task: Task): Promise<boolean>;
}

export interface DiscoveryOutcome {
  calls: number;
  /** Tasks created since the mark and not watched before. */
  discovered: number;
  /** The scan reached the cutoff (and moved the mark). */
  complete: boolean;
  error?: unknown;
}

/**
 * One scan of one kind. `newTask` makes the task to watch from the list item that named it (default
 * deadline, no tags, `source: "discovered"`), or declines it (Bedrock: a model not watched). Throws
 * only on an authentication error (the run must stop).
 */
export async function discover(
  twelvelabs: TwelveLabsPort,
  store: DiscoveryStore,
  mark: DiscoveryMark,
  newTask: (snap: TaskSnapshot) => Task | undefined,
  ctx: { now: () => number; deadlineAt: number },
): Promise<DiscoveryOutcome> {
  const out: DiscoveryOutcome = { calls: 0, discovered: 0, complete: false };
  // A scan cut short (page budget, deadline) goes on where it stopped, one page back: new tasks
  // push items to later pages, so going back a page re-reads some and skips none.
  const scanStart = mark.resume?.startedAt ?? ctx.now();
  let page = mark.resume ? Math.max(1, mark.resume.page - 1) : 1;
  const cutoff = Math.max(mark.enabledAt, mark.scannedUntil - DISCOVERY_LAG_MS);
  const opts: CallOptions = { deadlineAt: ctx.deadlineAt };
  mark.known ??= new Set();
  try {
    for (let read = 0; read < DISCOVERY_MAX_PAGES; read++, page++) {
      if (ctx.now() >= ctx.deadlineAt) break;
      const res = await twelvelabs.listTasks(mark.kind, { page, pageLimit: pageLimitOf(mark.kind) }, opts);
      out.calls += 1;
      let passedCutoff = false;
      const found: TaskSnapshot[] = [];
      for (const snap of res.tasks) {
        const created = snap.createdAt === undefined ? Number.NaN : Date.parse(snap.createdAt);
        // No creation time, no proof it is new: never taken (an older task must not be announced).
        if (Number.isNaN(created)) continue;
        if (created < cutoff) passedCutoff = true;
        else if (created >= mark.enabledAt) found.push(snap);
      }
      let cut = false;
      for (const snap of found) {
        const id = snap.id;
        if (mark.known.has(id)) continue;
        if (ctx.now() >= ctx.deadlineAt) {
          cut = true; // this page is read again next time
          break;
        }
        const task = newTask(snap);
        if (task && (await store.addDiscovered(task))) out.discovered += 1;
        mark.known.add(id);
      }
      if (cut) break;
      // Newest first: an item older than the cutoff means everything after it is older too.
      if (passedCutoff || page >= res.totalPages || res.tasks.length === 0) {
        out.complete = true;
        break;
      }
    }
  } catch (err) {
    if (err instanceof TwelveLabsAuthError) throw err;
    out.error = err;
    return out; // the resume point, if any, stays: the next scan goes on from there
  }
  if (out.complete) {
    mark.scannedUntil = Math.max(mark.scannedUntil, scanStart);
    mark.resume = undefined;
    await store.advanceMark(mark.kind, scanStart);
  } else {
    mark.resume = { page, startedAt: scanStart };
    await store.saveResume(mark.kind, mark.resume);
  }
  return out;
}
