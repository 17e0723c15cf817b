import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { emailSubject, emailText, smsText } from "../../functions/core/event-messages.js";
import { EVENT_TYPES, type TaskEvent } from "../../functions/core/events.js";

function event(
  overrides: Partial<TaskEvent["task"]> = {},
  type: TaskEvent["type"] = "task.ready",
): TaskEvent {
  return {
    id: "6641c0efc70bb578439bd909.v3.ready",
    type,
    occurredAt: "2026-11-29T10:00:20.000Z",
    stage: "prod",
    task: {
      id: "6641c0efc70bb578439bd909",
      kind: "embed",
      status: "ready",
      previousStatus: "processing",
      registeredAt: "2026-11-29T10:00:00.000Z",
      metadata: { filename: "01.mp4", durationSec: 18 },
      tags: {},
      modelName: "marengo3.0",
      ...overrides,
    },
    links: { status: "https://x/status", result: "https://x/result" },
  };
}

describe("per-channel messages", () => {
  test("email has the facts; SMS is one line", () => {
    const e = event({ error: "bad codec", status: "failed" }, "task.failed");
    expect(emailText(e)).toContain("marengo3.0");
    expect(emailText(e)).toContain("bad codec");
    expect(emailSubject(e)).toBe("[prod] TwelveLabs embed task 01.mp4 (6641c0efc70bb578439bd909) failed");
    expect(smsText(e)).toBe("TwelveLabs 01.mp4 task 6641c0efc70bb578439bd909 failed [prod]");
  });

  test("any filename and type: SMS < 140 chars on one line; subject ASCII, < 100, one line", () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 400 }),
        fc.constantFrom(...EVENT_TYPES),
        fc.string({ maxLength: 300 }),
        (filename, type, id) => {
          const e = event({ metadata: { filename }, id }, type);
          const sms = smsText(e);
          const subject = emailSubject(e);
          expect(sms.length).toBeLessThan(140);
          expect(sms).not.toMatch(/[\r\n]/);
          expect(subject.length).toBeLessThan(100);
          expect(subject).toMatch(/^[\x20-\x7e]+$/);
        },
      ),
      { numRuns: 300 },
    );
  });
});
