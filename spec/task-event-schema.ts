import { writeFileSync } from "node:fs";
import { EVENTBRIDGE_DETAIL_TYPE } from "../functions/core/eventbridge-entry.js";
import { EVENT_TYPES } from "../functions/core/events.js";
import { ALL_TASK_STATUSES, TASK_KINDS } from "../functions/core/task-kinds.js";

/*
 * The JSON Schema of a task event: the body SNS, webhooks and SQS carry, and the `detail` of every
 * "TwelveLabs Task State Change" on EventBridge. Generated from the same lists the code uses
 * (`npm run event-schema` writes spec/task-event.schema.json); the tests hold real events to it.
 */
export function taskEventSchema() {
  const iso = { type: "string", format: "date-time" };
  const status = { enum: [...ALL_TASK_STATUSES] };
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: "https://github.com/twelvelabs-task-notifier/spec/task-event.schema.json",
    title: "TwelveLabs task event",
    description: `One task event: the body of SNS notifications, webhooks and queue messages, and the detail of the EventBridge event "${EVENTBRIDGE_DETAIL_TYPE}".`,
    type: "object",
    required: ["id", "type", "occurredAt", "stage", "task", "links"],
    additionalProperties: false,
    properties: {
      id: {
        type: "string",
        description:
          "Stable per transition and registration (<taskId>.r<registration>.v<version>.<status>): dedupe on it.",
      },
      type: { enum: [...EVENT_TYPES] },
      occurredAt: iso,
      stage: { type: "string" },
      task: {
        type: "object",
        required: ["id", "kind", "status", "previousStatus", "registeredAt", "metadata", "tags"],
        additionalProperties: false,
        properties: {
          id: { type: "string" },
          kind: { enum: [...TASK_KINDS] },
          status,
          previousStatus: status,
          registeredAt: iso,
          changedAt: {
            ...iso,
            description: "When the status changed at TwelveLabs (the delay is measured from it).",
          },
          finishedAt: iso,
          modelName: { type: "string" },
          metadata: {
            type: "object",
            description: "What TwelveLabs reported of the video (an input URL without its query).",
            properties: {
              durationSec: { type: "number" },
              filename: { type: "string" },
              inputUrl: { type: "string" },
              clipLengthSec: { type: "number" },
              indexId: { type: "string" },
              videoId: { type: "string" },
              width: { type: "number" },
              height: { type: "number" },
              createdAt: { type: "string" },
              fileType: { type: "string" },
              completedAt: { type: "string" },
              remoteStatus: {
                type: "string",
                description:
                  "The service's own status word where the notifier maps it (a batch's completed, canceled or expired; Bedrock's InProgress, Completed, Failed).",
              },
              items: {
                type: "object",
                description: "Analysis batches: items by outcome (a batch is ready only when every item is).",
                required: ["total", "queued", "processing", "ready", "failed", "canceled"],
                additionalProperties: false,
                properties: Object.fromEntries(
                  ["total", "queued", "processing", "ready", "failed", "canceled"].map((k) => [
                    k,
                    { type: "integer", minimum: 0 },
                  ]),
                ),
              },
              modelArn: { type: "string", description: "Bedrock: the model the invocation ran." },
              outputUri: { type: "string", description: "Bedrock: where the invocation writes its output." },
            },
            additionalProperties: false,
          },
          tags: { type: "object", additionalProperties: { type: "string" } },
          indexId: { type: "string" },
          invocationArn: { type: "string", description: "A Bedrock async invocation's ARN (kind bedrock)." },
          error: { type: "string", description: "Why the task failed, timed out or was not found." },
          result: {
            description:
              "task.ready of an archived task: the stored result (s3:// URI, size, hex SHA-256, content type), or why it could not be stored; of a Bedrock invocation: where it wrote its output (uri only).",
            oneOf: [
              {
                type: "object",
                required: ["uri", "bytes", "sha256", "contentType"],
                additionalProperties: false,
                properties: {
                  uri: { type: "string", pattern: "^s3://" },
                  bytes: { type: "integer", minimum: 0 },
                  sha256: { type: "string", pattern: "^[0-9a-f]{64}$" },
                  contentType: { type: "string" },
                },
              },
              {
                type: "object",
                required: ["error"],
                additionalProperties: false,
                properties: { error: { type: "string" } },
              },
              {
                type: "object",
                required: ["uri"],
                additionalProperties: false,
                properties: { uri: { type: "string", pattern: "^s3://" } },
              },
            ],
          },
        },
      },
      links: {
        type: "object",
        required: ["status", "result"],
        additionalProperties: false,
        properties: { status: { type: "string", format: "uri" }, result: { type: "string", format: "uri" } },
      },
    },
  };
}

// `npm run event-schema`: write the schema beside this file.
if (import.meta.url === `file://${process.argv[1]}`) {
  const out = new URL("./task-event.schema.json", import.meta.url);
  writeFileSync(out, `${JSON.stringify(taskEventSchema(), null, 2)}\n`);
  console.log(`wrote ${out.pathname}`);
}
