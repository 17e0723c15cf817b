import { taskLinks } from "../core/events.js";
import { publishableMetadata } from "../core/snapshot.js";
import { stepFunctionsView } from "../core/step-functions-callback.js";
import type { Task } from "../core/task.js";

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/**
 * A task as the API shows it: ISO times, no storage internals (version, outbox, counters), and the
 * same TwelveLabs links its events carry.
 */
export function taskView(t: Task, twelvelabsBaseUrl: string) {
  return {
    taskId: t.taskId,
    kind: t.kind,
    source: t.source ?? "registered",
    indexId: t.indexId,
    invocationArn: t.invocationArn,
    status: t.status,
    history: t.history.map((h) => ({ status: h.status, at: iso(h.at) })),
    modelName: t.modelName,
    metadata: publishableMetadata(t.metadata),
    error: t.errorMessage,
    tags: t.tags,
    callbackUrl: t.callbackUrl,
    // Names only: the values are sealed and never leave the store in clear.
    callbackHeaderNames: t.callbackHeaderNames,
    webhook: t.callbackUrl === undefined ? undefined : webhookView(t),
    archive: t.archive ?? false,
    // Where the archived result stands (GET /tasks/{taskId}/result redirects to it once stored).
    result: t.archiveState && {
      state: t.archiveState.state,
      attempts: t.archiveState.attempts,
      ...(t.archiveState.result ?? {}),
      error: t.archiveState.error,
    },
    // Step Functions waiters: ids derived from their tokens, never the tokens.
    callback:
      t.waiters === undefined && t.droppedWaiters === undefined
        ? undefined
        : stepFunctionsView(t.waiters ?? {}, t.droppedWaiters),
    // Events that could never be published (their content), so they stopped blocking the others.
    setAsideEvents: t.setAside?.map((e) => ({
      eventId: e.eventId,
      type: e.type,
      reason: e.reason,
      at: iso(e.at),
    })),
    registeredAt: iso(t.registeredAt),
    lastCheckedAt: iso(t.lastCheckedAt),
    dueAt: iso(t.dueAt),
    checks: t.checks,
    deadlineAt: iso(t.deadlineAt),
    finishedAt: iso(t.finishedAt),
    links: taskLinks(twelvelabsBaseUrl, t),
  };
}

/** The callback's state and its newest attempts (oldest first). */
function webhookView(t: Task) {
  return {
    disabledAt: iso(t.callbackDisabledAt),
    attempts: (t.webhookAttempts ?? []).map((a) => ({
      at: iso(a.at),
      eventId: a.eventId,
      attempt: a.attempt,
      outcome: a.outcome,
      status: a.status,
      error: a.error,
      durationMs: a.durationMs,
      nextAttemptAt: iso(a.nextAttemptAt),
      redelivery: a.redelivery,
    })),
  };
}
