import { taskLinks } from "../core/events.js";
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
    status: t.status,
    history: t.history.map((h) => ({ status: h.status, at: iso(h.at) })),
    modelName: t.modelName,
    metadata: t.metadata,
    error: t.errorMessage,
    tags: t.tags,
    callbackUrl: t.callbackUrl,
    registeredAt: iso(t.registeredAt),
    lastCheckedAt: iso(t.lastCheckedAt),
    dueAt: iso(t.dueAt),
    checks: t.checks,
    deadlineAt: iso(t.deadlineAt),
    finishedAt: iso(t.finishedAt),
    links: taskLinks(twelvelabsBaseUrl, t.kind, t.taskId),
  };
}
