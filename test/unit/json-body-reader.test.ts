import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { readJsonBody } from "../../functions/adapters/json-body-reader.js";
import { TwelveLabsInvalidResponseError } from "../../functions/core/twelvelabs-errors.js";

async function* chunks(text: string, size: number): AsyncIterable<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

describe("readJsonBody", () => {
  test("skips the top-level data value whatever the chunking, keeping everything else", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.jsonValue(),
        fc.dictionary(
          fc.string().filter((k) => k !== "data"),
          fc.jsonValue(),
          { maxKeys: 5 },
        ),
        fc.integer({ min: 1, max: 64 }),
        async (data, rest, size) => {
          const body = JSON.stringify({ ...rest, data, after: 'x"}' });
          const parsed = await readJsonBody(chunks(body, size), {
            maxBytes: 1 << 20,
            skipTopLevelKey: "data",
          });
          expect(parsed).toEqual({ ...JSON.parse(JSON.stringify(rest)), data: null, after: 'x"}' });
        },
      ),
      { numRuns: 300 },
    );
  });

  test("a nested key named data is kept", async () => {
    const body = JSON.stringify({ _id: "a", metadata: { data: [1, 2] }, data: [[1, 2, 3]] });
    expect(await readJsonBody(chunks(body, 3), { maxBytes: 1000, skipTopLevelKey: "data" })).toEqual({
      _id: "a",
      metadata: { data: [1, 2] },
      data: null,
    });
  });

  test("a huge skipped value does not count against the cap; other bytes do", async () => {
    const big = JSON.stringify({ status: "ready", data: Array.from({ length: 50_000 }, (_, i) => i) });
    expect(await readJsonBody(chunks(big, 4096), { maxBytes: 200, skipTopLevelKey: "data" })).toEqual({
      status: "ready",
      data: null,
    });
    await expect(readJsonBody(chunks(big, 4096), { maxBytes: 200 })).rejects.toBeInstanceOf(
      TwelveLabsInvalidResponseError,
    );
  });

  test("invalid JSON is a typed error", async () => {
    await expect(readJsonBody(chunks("{nope", 2), { maxBytes: 100 })).rejects.toBeInstanceOf(
      TwelveLabsInvalidResponseError,
    );
  });
});
