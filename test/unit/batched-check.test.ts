import { describe, expect, test } from "vitest";
import { chooseCheckMode, unfinishedStatuses } from "../../functions/core/batched-check.js";

describe("chooseCheckMode (the cost model)", () => {
  test("per-task below the minimum, or when batching is off", () => {
    expect(chooseCheckMode(5, undefined, 6).mode).toBe("per-task");
    expect(chooseCheckMode(500, undefined, 0).mode).toBe("per-task");
  });

  test("batched when the list pages cost fewer calls than the due tasks", () => {
    expect(chooseCheckMode(6, undefined, 6)).toEqual({ perTaskCalls: 6, batchedCalls: 2, mode: "batched" });
    // 400 unfinished tasks in the window: 8 pages + 1 failed page = 9 calls, more than 8 due tasks.
    expect(chooseCheckMode(8, { unfinished: 400, failed: 0 }, 6)).toEqual({
      perTaskCalls: 8,
      batchedCalls: 9,
      mode: "per-task",
    });
    expect(chooseCheckMode(100, { unfinished: 400, failed: 60 }, 6)).toEqual({
      perTaskCalls: 100,
      batchedCalls: 10,
      mode: "batched",
    });
  });

  test("unfinished statuses per kind", () => {
    expect(unfinishedStatuses("embed")).toEqual(["processing"]);
    expect([...unfinishedStatuses("index")].sort()).toEqual([
      "indexing",
      "pending",
      "queued",
      "uploading",
      "validating",
    ]);
  });
});
