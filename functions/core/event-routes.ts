import type { TaskEvent } from "./events.js";
import type { PublishRoute } from "./ports.js";
import { endsWaiters, waitingIds } from "./step-functions-callback.js";
import type { Task } from "./task.js";

/**
 * Where an event goes beside the topic's subscribers: the task's webhook, and for a final event its
 * waiting Step Functions tokens (the callback queues' filter policies select them). The run and
 * the archiver publish with it; neither knows the destinations.
 */
export function publishRoute(task: Task, event: TaskEvent): PublishRoute {
  return {
    webhook: hasEnabledCallback(task),
    stepFunctions: endsWaiters(event.task.status) && waitingIds(task.waiters).length > 0,
  };
}

/** Events of this task go to its callback too (the webhook queue's filter policy selects them). */
export function hasEnabledCallback(task: Task): boolean {
  return task.callbackUrl !== undefined && task.callbackDisabledAt === undefined;
}
