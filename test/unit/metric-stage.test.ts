import { afterEach, expect, test, vi } from "vitest";

/*
 * Stages that share an account and region must not read each other's metrics: every metric a
 * function emits (through the one Metrics of config/observability.ts) carries its stage.
 */
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  vi.resetModules();
});

async function emitted(stage: string | undefined): Promise<Array<Record<string, unknown>>> {
  if (stage !== undefined) vi.stubEnv("STAGE", stage);
  else vi.stubEnv("STAGE", "");
  const lines: string[] = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  const { functionMetrics } = await import("../../functions/config/observability.js");
  functionMetrics.add("TwelveLabsAuthFailures", "Count", 1);
  functionMetrics.add("EventsPublishedByType", "Count", 2, { eventType: "task.ready" });
  functionMetrics.flush();
  vi.restoreAllMocks();
  return lines
    .flatMap((l) => l.split("\n"))
    .filter((l) => l.includes('"_aws"'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function dimensionsOf(doc: Record<string, unknown>): string[][] {
  const aws = doc._aws as { CloudWatchMetrics: Array<{ Dimensions: string[][] }> };
  return aws.CloudWatchMetrics.flatMap((m) => m.Dimensions);
}

test("every metric document, single metrics with their own dimension too, carries the function's stage", async () => {
  const docs = await emitted("prod");
  expect(docs.length).toBe(2);
  for (const doc of docs) {
    expect(doc.stage).toBe("prod");
    expect(doc.service).toBe("twelvelabs-task-notifier");
    for (const dims of dimensionsOf(doc)) expect(dims).toEqual(expect.arrayContaining(["service", "stage"]));
  }
  const byType = docs.find((d) => "EventsPublishedByType" in d);
  expect(byType?.eventType).toBe("task.ready");
});

test("a function without STAGE emits 'unset', never another stage's name", async () => {
  const docs = await emitted(undefined);
  expect(docs.map((d) => d.stage)).toEqual(["unset", "unset"]);
});
