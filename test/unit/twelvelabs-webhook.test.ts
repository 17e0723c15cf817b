import { describe, expect, test } from "vitest";
import { OpenTasks, WEBHOOK_QUIET_AFTER_MS, WEBHOOK_SAFETY_NET_MS } from "../../functions/core/open-tasks.js";
import { newTask } from "../../functions/core/task.js";
import { kindOfWebhookType } from "../../functions/core/task-kinds.js";
import {
  parseTwelveLabsEvent,
  twelveLabsSignatureHex,
  verifyTwelveLabsSignature,
} from "../../functions/core/twelvelabs-webhook.js";

const SECRET = "tl-endpoint-secret";
const NOW = Date.parse("2026-12-01T12:00:00Z");
const body = JSON.stringify({
  id: "whe_1",
  created_at: "2026-12-01T12:00:00Z",
  type: "index.task.ready",
  data: { id: "6641c0efc70bb578439bd909", status: "ready" },
});
const t = Math.floor(NOW / 1000);
const signed = (secret = SECRET, at = t, raw = body) =>
  `t=${at},v1=${twelveLabsSignatureHex(secret, at, raw)}`;
const codeOf = (f: () => void) => {
  try {
    f();
    return "ok";
  } catch (err) {
    return (err as { code?: string }).code;
  }
};

describe("TL-Signature", () => {
  test("HMAC-SHA256 of <t>.<raw body> in hex, as TwelveLabs documents it (a value computed with openssl)", () => {
    // printf '1700000000.{}' | openssl dgst -sha256 -hmac secret
    expect(twelveLabsSignatureHex("secret", 1_700_000_000, "{}")).toBe(
      "b8569b78799ff9e3cbff0fc2d63a33a2b57f3282abd07c37ae5e8e7d79a5f163",
    );
  });

  test("a signature over the raw body within 5 minutes verifies; several v1 values (a rotation) too", () => {
    expect(codeOf(() => verifyTwelveLabsSignature(SECRET, signed(), body, NOW))).toBe("ok");
    expect(codeOf(() => verifyTwelveLabsSignature(SECRET, signed(), body, NOW + 299_000))).toBe("ok");
    const both = `t=${t},v1=${"0".repeat(64)},v1=${twelveLabsSignatureHex(SECRET, t, body)}`;
    expect(codeOf(() => verifyTwelveLabsSignature(SECRET, both, body, NOW))).toBe("ok");
  });

  test("missing, malformed, wrong secret, altered body, stale or future: refused with a code", () => {
    expect(codeOf(() => verifyTwelveLabsSignature(SECRET, undefined, body, NOW))).toBe("missing_signature");
    expect(codeOf(() => verifyTwelveLabsSignature(SECRET, "v1=abc", body, NOW))).toBe("invalid_signature");
    expect(codeOf(() => verifyTwelveLabsSignature(SECRET, signed("other"), body, NOW))).toBe(
      "invalid_signature",
    );
    expect(codeOf(() => verifyTwelveLabsSignature(SECRET, signed(), `${body} `, NOW))).toBe(
      "invalid_signature",
    );
    expect(codeOf(() => verifyTwelveLabsSignature(SECRET, signed(), body, NOW + 301_000))).toBe(
      "stale_signature",
    );
    expect(codeOf(() => verifyTwelveLabsSignature(SECRET, signed(), body, NOW - 301_000))).toBe(
      "stale_signature",
    );
  });
});

describe("TwelveLabs webhook events", () => {
  test("the kind table says which kind an event names; unknown types are ignored, bad shapes refused", () => {
    expect(kindOfWebhookType("index.task.ready")).toBe("index");
    expect(kindOfWebhookType("analyze.task.failed")).toBe("analyze");
    expect(kindOfWebhookType("embed.task.ready")).toBeUndefined();
    expect(parseTwelveLabsEvent(body)).toEqual({
      id: "whe_1",
      type: "index.task.ready",
      kind: "index",
      taskId: "6641c0efc70bb578439bd909",
    });
    expect(parseTwelveLabsEvent(JSON.stringify({ id: "whe_2", type: "video.uploaded.done", data: {} }))).toBe(
      undefined,
    );
    for (const bad of ["nope", "[]", JSON.stringify({ id: "whe_3", type: "index.task.ready", data: {} })])
      expect(codeOf(() => parseTwelveLabsEvent(bad))).toBe("invalid_event");
  });
});

describe("polling while webhooks arrive", () => {
  test("a fed kind's tasks are looked at only as a safety net; a nudge is looked at now; quiet again after 30 min", () => {
    const memory = new OpenTasks();
    memory.feedFrom({ index: NOW - 60_000 }, NOW);
    const fresh = newTask({ taskId: "i1", kind: "index" }, NOW, 86_400);
    memory.merge(fresh, NOW, 60_000, () => 0);
    expect(memory.tasks.get("i1")?.dueAt).toBe(NOW + WEBHOOK_SAFETY_NET_MS);
    // Another kind is polled as usual.
    memory.merge(newTask({ taskId: "e1", kind: "embed" }, NOW, 86_400), NOW, 60_000, () => 0);
    expect(memory.tasks.get("e1")?.dueAt).toBe(NOW);
    // A webhook nudged it: a newer version, due now.
    memory.merge({ ...fresh, version: 2, dueAt: NOW + 5_000 }, NOW + 5_000, 60_000, () => 0);
    expect(memory.tasks.get("i1")?.dueAt).toBe(NOW + 5_000);
    // Webhooks stopped: the kind is polled as usual again.
    const later = new OpenTasks();
    later.feedFrom({ index: NOW - WEBHOOK_QUIET_AFTER_MS - 1 }, NOW);
    later.merge(newTask({ taskId: "i2", kind: "index" }, NOW, 86_400), NOW, 60_000, () => 0);
    expect(later.tasks.get("i2")?.dueAt).toBe(NOW);
  });
});
