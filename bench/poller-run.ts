import { BatchWriteItemCommand } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { shardOf, taskPk } from "../functions/adapters/task-table.js";
import { newTask } from "../functions/core/task.js";
import { startEmbeddedAws } from "../local/embedded-aws.js";
import { TwelveLabsSimulator } from "../local/simulator/simulator-server.js";

const SHARDS = 4;

/**
 * One real poller handler run against dynalite, fauxqs and the simulator: `due` tasks due among
 * `stored`, all of which finish (so each due task costs a check, a transition and a publish).
 */
export async function pollerRun(cases: Array<{ due: number; stored: number }>): Promise<string> {
  const sim = new TwelveLabsSimulator();
  const simUrl = await sim.start();
  const aws = await startEmbeddedAws();
  Object.assign(process.env, aws.env, {
    STAGE: "bench",
    TWELVELABS_BASE_URL: simUrl,
    TWELVELABS_API_KEY: sim.apiKey,
    SHARDS: String(SHARDS),
    POLLER_LEASE: "false",
    POWERTOOLS_METRICS_DISABLED: "true",
    POWERTOOLS_LOG_LEVEL: "SILENT",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  });
  const { handler } = await import("../functions/poller.js");
  const rows: string[] = [];
  let offset = 0;
  for (const c of cases) {
    const now = Date.now();
    const items = [];
    for (let i = 0; i < c.stored; i++) {
      const id = `bench${String(offset + i).padStart(19, "0")}`;
      const due = i < c.due;
      if (due) sim.addTask({ kind: "embed", id, timeline: [{ status: "ready", afterMs: 0 }] });
      // The item as DynamoDbTaskStore.register writes it, batched here to load faster.
      const {
        outbox: _outbox,
        nextCheckAt: _next,
        ...rest
      } = newTask({ taskId: id, kind: "embed" }, now, 86400);
      items.push({
        ...rest,
        pk: taskPk(id),
        entity: "task",
        outbox: {},
        dueShard: shardOf(id, SHARDS),
        dueAt: due ? now - 1000 : now + 3600_000,
      });
    }
    offset += c.stored;
    for (let i = 0; i < items.length; i += 25) {
      await aws.dynamo.send(
        new BatchWriteItemCommand({
          RequestItems: {
            [aws.tableName]: items.slice(i, i + 25).map((it) => ({ PutRequest: { Item: marshall(it) } })),
          },
        }),
      );
    }
    sim.resetCalls();
    const started = performance.now();
    const result = await handler({}, { getRemainingTimeInMillis: () => 15 * 60_000 });
    const seconds = (performance.now() - started) / 1000;
    if ("skipped" in result) throw new Error("skipped");
    rows.push(
      `| ${c.due} | ${c.stored} | ${result.dueRead} | ${result.tasksChecked} | ${result.eventsPublished} | ${sim.calls.length} | ${seconds.toFixed(2)} s | ${Math.round(result.tasksChecked / seconds)} |`,
    );
  }
  await sim.close();
  await aws.close();
  return [
    "## One poller run (real handler; dynalite + fauxqs + simulator, in one process)",
    "",
    "| due | stored | due read | checked | published | TwelveLabs calls | run time | tasks/s |",
    "|---|---|---|---|---|---|---|---|",
    ...rows,
    "",
    "`due read` equals `due`: the run reads the sparse due index only, never the stored-but-not-due items.",
    "The two extra calls are the batched check's two list pages: none of these tasks had been seen before, so each is confirmed on its own.",
    "dynalite is a single-threaded stand-in; DynamoDB itself serves these reads and writes in parallel.",
  ].join("\n");
}
