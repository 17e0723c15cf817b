import {
  BedrockRuntimeClient,
  GetAsyncInvokeCommand,
  ListAsyncInvokesCommand,
} from "@aws-sdk/client-bedrock-runtime";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BedrockAsyncClient } from "../../functions/adapters/bedrock-async-client.js";
import { parseAsyncInvoke } from "../../functions/adapters/bedrock-responses.js";
import {
  TwelveLabsInvalidResponseError,
  TwelveLabsNotFoundError,
  TwelveLabsRequestError,
} from "../../functions/core/twelvelabs-errors.js";
import { invocationArnOf } from "../../local/simulator/sim-tasks.js";
import { TwelveLabsSimulator } from "../../local/simulator/simulator-server.js";
import { ManualClock } from "../support/manual-clock.js";

/*
 * The simulator's Bedrock endpoints as the real AWS SDK client (@aws-sdk/client-bedrock-runtime)
 * calls and parses them, and the notifier's Bedrock adapter on top: statuses, pages by token,
 * errors as the SDK raises them.
 */
const clock = new ManualClock();
const sim = new TwelveLabsSimulator({ now: clock.now });
const credentials = { accessKeyId: "local", secretAccessKey: "local" };
let sdk: BedrockRuntimeClient;
let adapter: BedrockAsyncClient;

beforeAll(async () => {
  await sim.start();
  sdk = new BedrockRuntimeClient({
    region: "us-east-1",
    endpoint: sim.origin,
    credentials,
    requestHandler: new NodeHttpHandler(),
    maxAttempts: 1,
  });
  adapter = new BedrockAsyncClient({
    homeRegion: "us-east-1",
    regions: ["us-east-1", "eu-west-1"],
    endpoint: sim.origin,
    credentials,
    maxAttempts: 1,
  });
});
afterAll(async () => {
  sdk.destroy();
  adapter.close();
  await sim.close();
});

describe("the simulator speaks Bedrock's async-invoke API to the real SDK", () => {
  test("GetAsyncInvoke in every phase, parsed by the SDK and then by the notifier", async () => {
    const ok = sim.addTask({
      kind: "bedrock",
      timeline: [
        { status: "InProgress", afterMs: 0 },
        { status: "Completed", afterMs: 5_000 },
      ],
    });
    const bad = sim.addTask({
      kind: "bedrock",
      timeline: [
        { status: "InProgress", afterMs: 0 },
        { status: "Failed", afterMs: 5_000 },
      ],
      errorMessage: "The input video is corrupt",
    });
    const seen: string[] = [];
    for (const step of [0, 10_000]) {
      clock.advance(step);
      for (const t of [ok, bad]) {
        const out = await sdk.send(new GetAsyncInvokeCommand({ invocationArn: invocationArnOf(t) }));
        expect(out.invocationArn).toBe(invocationArnOf(t));
        expect(out.submitTime).toBeInstanceOf(Date);
        expect(out.outputDataConfig?.s3OutputDataConfig?.s3Uri).toBe("s3://my-embeddings/marengo/");
        const snap = parseAsyncInvoke(out);
        seen.push(`${out.status}->${snap.status}`);
        if (out.status === "Failed") expect(snap.errorMessage).toBe("The input video is corrupt");
        if (out.status !== "InProgress") expect(out.endTime).toBeInstanceOf(Date);
      }
    }
    expect(seen).toEqual([
      "InProgress->processing",
      "InProgress->processing",
      "Completed->ready",
      "Failed->failed",
    ]);
  });

  test("ListAsyncInvokes: status filter, submit-time window, every job once across token pages", async () => {
    const region = "ap-southeast-2";
    const local = new BedrockRuntimeClient({
      region,
      endpoint: sim.origin,
      credentials,
      requestHandler: new NodeHttpHandler(),
    });
    try {
      const start = clock.now();
      const ids = new Set<string>();
      for (let i = 0; i < 7; i++) {
        ids.add(
          sim.addTask({
            kind: "bedrock",
            region,
            createdAt: start - i * 1000,
            timeline: [{ status: "InProgress", afterMs: 0 }],
          }).id,
        );
      }
      sim.addTask({
        kind: "bedrock",
        region,
        createdAt: start,
        timeline: [{ status: "Completed", afterMs: 0 }],
      });
      const got: string[] = [];
      let nextToken: string | undefined;
      let pages = 0;
      do {
        const out = await local.send(
          new ListAsyncInvokesCommand({
            statusEquals: "InProgress",
            submitTimeAfter: new Date(start - 60_000),
            submitTimeBefore: new Date(start + 1_000),
            maxResults: 3,
            sortBy: "SubmissionTime",
            sortOrder: "Descending",
            nextToken,
          }),
        );
        pages += 1;
        for (const s of out.asyncInvokeSummaries ?? []) got.push(parseAsyncInvoke(s).id);
        nextToken = out.nextToken;
      } while (nextToken);
      expect(pages).toBe(3);
      expect(new Set(got)).toEqual(ids);
      expect(got).toHaveLength(7);
      // Jobs signed for another region are not listed here.
      const elsewhere = await sdk.send(
        new ListAsyncInvokesCommand({ statusEquals: "InProgress", maxResults: 1000 }),
      );
      for (const s of elsewhere.asyncInvokeSummaries ?? []) expect(s.invocationArn).toContain(":us-east-1:");
    } finally {
      local.destroy();
    }
  });

  test("errors as the SDK raises them: unknown ARN, malformed ARN, out-of-range page size, unsigned request", async () => {
    await expect(
      sdk.send(
        new GetAsyncInvokeCommand({
          invocationArn: "arn:aws:bedrock:us-east-1:123456789012:async-invoke/nope1",
        }),
      ),
    ).rejects.toMatchObject({ name: "ResourceNotFoundException", $metadata: { httpStatusCode: 404 } });
    await expect(sdk.send(new GetAsyncInvokeCommand({ invocationArn: "not-an-arn" }))).rejects.toMatchObject({
      name: "ValidationException",
    });
    await expect(sdk.send(new ListAsyncInvokesCommand({ maxResults: 1001 }))).rejects.toMatchObject({
      name: "ValidationException",
    });
    const unsigned = await fetch(`${sim.origin}/async-invoke`);
    expect(unsigned.status).toBe(403);
  });
});

describe("the notifier's Bedrock adapter", () => {
  test("one job: its status, refused when the ARN names another job or a region the stage does not allow", async () => {
    const t = sim.addTask({
      kind: "bedrock",
      region: "eu-west-1",
      timeline: [{ status: "InProgress", afterMs: 0 }],
    });
    const snap = await adapter.getTask("bedrock", t.id, { invocationArn: invocationArnOf(t) });
    expect(snap).toMatchObject({ id: t.id, status: "processing", invocationArn: invocationArnOf(t) });
    await expect(
      adapter.getTask("bedrock", "other1", { invocationArn: invocationArnOf(t) }),
    ).rejects.toBeInstanceOf(TwelveLabsRequestError);
    await expect(adapter.getTask("bedrock", t.id, {})).rejects.toBeInstanceOf(TwelveLabsRequestError);
    const far = sim.addTask({ kind: "bedrock", region: "sa-east-1" });
    await expect(adapter.getTask("bedrock", far.id, { invocationArn: invocationArnOf(far) })).rejects.toThrow(
      /sa-east-1 is not one this stage may check/,
    );
    const before = sim.calls.length;
    await expect(
      adapter.getTask("bedrock", "gone1", {
        invocationArn: "arn:aws:bedrock:us-east-1:123456789012:async-invoke/gone1",
      }),
    ).rejects.toBeInstanceOf(TwelveLabsNotFoundError);
    expect(sim.calls.length).toBe(before + 1);
  });

  test("a list page asked for without its token walks from the first page (a new process), then reuses tokens", async () => {
    const region = "eu-west-1";
    for (let i = 0; i < 5; i++)
      sim.addTask({
        kind: "bedrock",
        region,
        createdAt: clock.now() - 500 - i,
        timeline: [{ status: "InProgress", afterMs: 0 }],
      });
    const fresh = new BedrockAsyncClient({
      homeRegion: "us-east-1",
      regions: [region],
      endpoint: sim.origin,
      credentials,
    });
    try {
      sim.resetCalls();
      const page3 = await fresh.listTasks("bedrock", { status: "processing", region, page: 3, pageLimit: 2 });
      expect(page3.page).toBe(3);
      expect(sim.calls).toHaveLength(3);
      const page2 = await fresh.listTasks("bedrock", { status: "processing", region, page: 2, pageLimit: 2 });
      expect(sim.calls).toHaveLength(4);
      expect(page2.totalPages).toBeGreaterThanOrEqual(3);
      expect(sim.calls.at(-1)?.query.nextToken).toBeDefined();
    } finally {
      fresh.close();
    }
  });

  test("a response for another job, an unknown status or a malformed ARN is an invalid answer, never a status", async () => {
    expect(() =>
      parseAsyncInvoke({
        invocationArn: "arn:aws:bedrock:us-east-1:123456789012:async-invoke/a1",
        status: "Done",
      }),
    ).toThrow(TwelveLabsInvalidResponseError);
    expect(() => parseAsyncInvoke({ invocationArn: "x", status: "Completed" })).toThrow(
      TwelveLabsInvalidResponseError,
    );
  });
});
