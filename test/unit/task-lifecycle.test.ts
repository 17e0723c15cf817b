import { describe, expect, test } from "vitest";
import { DEFAULT_SCHEDULE } from "../../functions/core/due-schedule.js";
import type { TaskSnapshot } from "../../functions/core/snapshot.js";
import { newTask } from "../../functions/core/task.js";
import { applyTransitionPatch, decide, type LifecycleSettings } from "../../functions/core/task-lifecycle.js";
import { TWELVELABS_BASE_URL } from "../../functions/core/twelvelabs-endpoints.js";

const t0 = Date.parse("2026-11-29T10:00:00Z");
const settings: LifecycleSettings = {
  stage: "dev",
  twelvelabsBaseUrl: TWELVELABS_BASE_URL,
  schedule: DEFAULT_SCHEDULE,
  publishStatusChanges: false,
  retentionSeconds: 86400,
  notFoundConfirmations: 2,
};
const snap = (
  status: TaskSnapshot["status"],
  extra: Partial<TaskSnapshot> = {},
): { outcome: "snapshot"; snapshot: TaskSnapshot } => ({
  outcome: "snapshot",
  snapshot: {
    id: "t1",
    kind: "embed",
    status,
    terminal: status === "ready" || status === "failed",
    metadata: {},
    ...extra,
  },
});

describe("decide", () => {
  const task = newTask({ taskId: "t1", kind: "embed", tags: { team: "a" } }, t0, 3600);

  test("registered → processing is recorded, not published by default", () => {
    const d = decide(task, snap("processing"), t0 + 1000, 0.5, settings);
    expect(d.type).toBe("transition");
    if (d.type !== "transition") return;
    expect(d.patch.status).toBe("processing");
    expect(d.patch.events).toEqual([]);
    expect(d.patch.dueAt).toBeGreaterThan(t0 + 1000);
  });

  test("intermediate changes are published when configured", () => {
    const d = decide(task, snap("processing"), t0 + 1000, 0.5, { ...settings, publishStatusChanges: true });
    expect(d.type === "transition" && d.patch.events.map((e) => e.type)).toEqual(["task.status_changed"]);
  });

  test("ready: terminal, leaves the due index, expires, one event with a stable id", () => {
    const processing = { ...task, status: "processing" as const, version: 3 };
    const d = decide(
      processing,
      snap("ready", { modelName: "marengo3.0", metadata: { durationSec: 18 } }),
      t0 + 20_000,
      0.5,
      settings,
    );
    if (d.type !== "transition") throw new Error("expected a transition");
    expect(d.patch.dueAt).toBeUndefined();
    expect(d.patch.expiresAt).toBe(Math.floor((t0 + 20_000) / 1000) + 86400);
    expect(d.patch.events).toHaveLength(1);
    const [event] = d.patch.events;
    expect(event).toMatchObject({
      id: `t1.r${t0.toString(36)}.v4.ready`,
      type: "task.ready",
      task: {
        status: "ready",
        previousStatus: "processing",
        modelName: "marengo3.0",
        metadata: { durationSec: 18 },
        tags: { team: "a" },
      },
      links: { status: "https://api.twelvelabs.io/v1.3/embed/tasks/t1/status" },
    });
    // Deciding again from the same state yields the same id: retries never mint new events.
    const again = decide(processing, snap("ready"), t0 + 25_000, 0.1, settings);
    expect(again.type === "transition" && again.patch.events[0]?.id).toBe(`t1.r${t0.toString(36)}.v4.ready`);
    // A new registration of the same id (registered later) gets other event ids: receivers that dedupe keep both.
    const later = newTask({ taskId: "t1", kind: "embed" }, t0 + 60_000, 3600);
    const reRegistered = decide(
      { ...later, status: "processing", version: 3 },
      snap("ready"),
      t0 + 70_000,
      0.1,
      settings,
    );
    expect(reRegistered.type === "transition" && reRegistered.patch.events[0]?.id).not.toBe(
      `t1.r${t0.toString(36)}.v4.ready`,
    );
  });

  test("failed carries the error message", () => {
    const d = decide(task, snap("failed", { errorMessage: "bad codec" }), t0, 0.5, settings);
    expect(d.type === "transition" && d.patch.events[0]?.task.error).toBe("bad codec");
  });

  test("unchanged status is a check, rescheduled", () => {
    const processing = { ...task, status: "processing" as const };
    const d = decide(processing, snap("processing"), t0 + 1000, 0.5, settings);
    expect(d.type).toBe("unchanged");
    if (d.type === "unchanged") expect(d.patch.checks).toBe(1);
  });

  test("past the deadline and unfinished: timed_out; finished at the deadline still wins", () => {
    const late = t0 + 3600_000;
    const d = decide(task, snap("processing"), late, 0.5, settings);
    expect(d.type === "transition" && d.patch.status).toBe("timed_out");
    const won = decide(task, snap("ready"), late, 0.5, settings);
    expect(won.type === "transition" && won.patch.status).toBe("ready");
  });

  test("not_found needs two consecutive denials", () => {
    const once = decide(task, { outcome: "not_found" }, t0, 0.5, settings);
    expect(once.type).toBe("unchanged");
    if (once.type !== "unchanged") return;
    expect(once.patch.notFoundCount).toBe(1);
    const twice = decide({ ...task, notFoundCount: 1 }, { outcome: "not_found" }, t0, 0.5, settings);
    expect(twice.type === "transition" && twice.patch.status).toBe("not_found");
  });

  test("an error reschedules with backoff and keeps the status", () => {
    const d = decide(task, { outcome: "error", retryAfterMs: 30_000 }, t0, 0, settings);
    expect(d.type).toBe("unchanged");
    if (d.type === "unchanged") {
      expect(d.patch.dueAt).toBe(t0 + 30_000);
      expect(d.patch.errorCount).toBe(1);
    }
  });

  test("applyTransitionPatch appends history and bumps the version", () => {
    const d = decide(task, snap("ready"), t0, 0.5, settings);
    if (d.type !== "transition") throw new Error("expected a transition");
    const after = applyTransitionPatch(task, d.patch);
    expect(after.history).toEqual([{ status: "ready", at: t0 }]);
    expect(after.version).toBe(task.version + 1);
    expect(after.dueAt).toBeUndefined();
    expect(after.outbox).toHaveLength(1);
  });
});
