import type * as v from "valibot";
import type { TaskMetadata, TaskSnapshot } from "../core/snapshot.js";
import { isTerminal, statusForRemote, type TaskKind } from "../core/task-kinds.js";
import { TwelveLabsInvalidResponseError } from "../core/twelvelabs-errors.js";

/* What every response parser shares: the error for a body of the wrong shape, and the snapshot. */

export function fail(what: string, issues: v.BaseIssue<unknown>[] | undefined, who = "TwelveLabs"): never {
  const first = issues?.[0];
  const where = first?.path?.map((p) => String(p.key)).join(".") ?? "";
  throw new TwelveLabsInvalidResponseError(
    `${who} returned an unexpected ${what}${where ? ` at ${where}` : ""}: ${first?.message ?? "invalid"}`,
  );
}

/** Metadata without the fields the response left empty. */
export function clean(meta: Record<string, unknown>): TaskMetadata {
  const out: TaskMetadata = {};
  for (const [k, val] of Object.entries(meta))
    if (val !== undefined && val !== null) (out as Record<string, unknown>)[k] = val;
  return out;
}

/** A validated snapshot from a kind's own status word (mapped through the kind table). */
export function snapshotOf(
  kind: TaskKind,
  id: string,
  status: string,
  rest: Omit<TaskSnapshot, "id" | "kind" | "status" | "terminal">,
): TaskSnapshot {
  const mapped = statusForRemote(kind, status);
  if (mapped === undefined) {
    throw new TwelveLabsInvalidResponseError(
      `${kind === "bedrock" ? "Bedrock" : "TwelveLabs"} returned an unknown ${kind} task status "${status.slice(0, 40)}"`,
    );
  }
  const metadata = mapped === status ? rest.metadata : { ...rest.metadata, remoteStatus: status };
  const snap: TaskSnapshot = { id, kind, status: mapped, terminal: isTerminal(mapped), metadata };
  if (rest.modelName) snap.modelName = rest.modelName;
  if (rest.createdAt) {
    snap.createdAt = rest.createdAt;
    snap.metadata = { ...snap.metadata, createdAt: rest.createdAt };
  }
  if (rest.updatedAt) snap.updatedAt = rest.updatedAt;
  if (rest.errorMessage && mapped === "failed") snap.errorMessage = rest.errorMessage.slice(0, 1000);
  if (rest.invocationArn) snap.invocationArn = rest.invocationArn;
  return snap;
}
