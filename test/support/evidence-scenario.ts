import { remoteWordsOf, statusForRemote, TASK_KINDS } from "../../functions/core/task-kinds.js";
import type { PollerHandler } from "../../functions/poller-handler.js";
import { DEFAULT_MODES, type SimModes } from "../../local/simulator/sim-modes.js";
import { invocationArnOf, wordFor } from "../../local/simulator/sim-tasks.js";
import type { PollerHarness } from "./poller-harness.js";

/** The modes the poller's evidence tests run under: each open reading alone, then all at once. */
export const MODE_CASES: Array<[string, Partial<SimModes>]> = [
  ["lenient readings", {}],
  ["lists up to 1.5 s stale", { listStalenessMs: 1_500 }],
  ["status filter: comma form only", { statusFilterForm: "comma" }],
  ["status filter: repeated form only", { statusFilterForm: "repeated" }],
  ["created_at: same day only", { createdAtReading: "same-day" }],
  ["exclusive window bounds", { windowBounds: "exclusive" }],
  [
    "every strict reading at once",
    {
      listStalenessMs: 1_500,
      statusFilterForm: "comma",
      createdAtReading: "same-day",
      windowBounds: "exclusive",
    },
  ],
];

type Fate = "ready" | "failed" | "not_found";

/**
 * Tasks of every kind (the whole kind table) that finish `ready`, `failed`, or are deleted at TwelveLabs while processing,
 * registered at once; the real poller runs until every one has ended. Returns what each task was
 * announced as, and what it should have been.
 */
export async function runEvidenceScenario(
  h: PollerHarness,
  queueUrl: string,
  modes: Partial<SimModes>,
  handler: PollerHandler,
  perKind = 8,
): Promise<{ wrong: string[]; lost: string[]; duplicates: string[]; announced: number }> {
  h.sim.setModes({ ...DEFAULT_MODES, ...modes });
  const expected = new Map<string, Fate>();
  for (const kind of TASK_KINDS) {
    // The last unfinished status of the kind (processing, indexing; Bedrock's InProgress): where tasks wait longest.
    const running = remoteWordsOf(kind)
      .filter((w) => !["ready", "failed"].includes(statusForRemote(kind, w) ?? "") && w !== "canceling")
      .at(-1) as string;
    for (let i = 0; i < perKind; i++) {
      const fate: Fate = i % 4 === 1 ? "failed" : i % 4 === 3 ? "not_found" : "ready";
      const ends = 300 + i * 150;
      const timeline =
        fate === "not_found"
          ? [{ status: running, afterMs: 0 }]
          : [
              { status: running, afterMs: 0 },
              // A batch that completes with a failed item is a failed one (the kind table's rule).
              { status: kind === "analyze-batch" ? "completed" : wordFor(kind, fate), afterMs: ends },
            ];
      const t = h.sim.addTask({
        kind,
        timeline,
        ...(fate === "not_found" ? { deleteAfterMs: ends } : {}),
        ...(fate === "failed"
          ? { errorMessage: "The video could not be decoded", items: { failed: 1 } }
          : {}),
        // Bedrock's jobs in two regions: lists are read per region.
        ...(kind === "bedrock" ? { region: i % 2 === 0 ? "us-east-1" : "eu-west-1" } : {}),
      });
      expected.set(t.id, fate);
      await h.register({
        taskId: t.id,
        kind,
        ...(kind === "indexed-asset" ? { indexId: t.indexId } : {}),
        ...(kind === "bedrock" ? { invocationArn: invocationArnOf(t) } : {}),
      });
    }
  }
  const ids = [...expected.keys()];
  await h.runUntilEnded(ids, handler);
  const announced = new Map<string, string[]>();
  for (const m of await h.drain(queueUrl)) {
    announced.set(m.event.task.id, [...(announced.get(m.event.task.id) ?? []), m.event.type]);
  }
  const wrong: string[] = [];
  const lost: string[] = [];
  const duplicates: string[] = [];
  for (const [id, fate] of expected) {
    const got = announced.get(id) ?? [];
    if (got.length === 0) lost.push(id);
    else if (got.some((type) => type !== `task.${fate}`))
      wrong.push(`${id}: expected task.${fate}, got ${got}`);
    else if (got.length > 1) duplicates.push(id);
  }
  for (const id of ids) await h.store.remove(id, Date.now());
  return { wrong, lost, duplicates, announced: announced.size };
}
