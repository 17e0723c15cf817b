import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { SubscribeCommand } from "@aws-sdk/client-sns";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { eventBridgeEntry } from "../functions/core/eventbridge-entry.js";
import { eventFromBody } from "../functions/queue-records.js";
import type { EmbeddedAws } from "./embedded-aws.js";

/*
 * What the stack's EventBridge Pipe does, locally: a queue subscribed to the topic (raw, every
 * event), each message put on a bus as "TwelveLabs Task State Change" with the event as detail.
 * With AWS_ENDPOINT_URL_EVENTBRIDGE set (a LocalStack, moto's server) the real SDK client sends
 * there, signed like any AWS call; otherwise each event is printed, one line, not sent.
 */

export const LOCAL_EVENTBRIDGE_QUEUE = "local-eventbridge";

/** Where the entries go: PutEvents on a client, or a printed line. */
export type EventBridgeSink = (entries: ReturnType<typeof eventBridgeEntry>[]) => Promise<boolean[]>;

export async function createLocalEventBridgeQueue(aws: EmbeddedAws): Promise<string> {
  const queue = aws.fauxqs.createQueue(LOCAL_EVENTBRIDGE_QUEUE, { attributes: { VisibilityTimeout: "30" } });
  await aws.sns.send(
    new SubscribeCommand({
      TopicArn: aws.topicArn,
      Protocol: "sqs",
      Endpoint: queue.queueArn,
      Attributes: { RawMessageDelivery: "true" },
    }),
  );
  return queue.queueUrl;
}

/** PutEvents with a real client: which entries EventBridge accepted (a failed one stays queued). */
export function putEventsSink(client: EventBridgeClient): EventBridgeSink {
  return async (entries) => {
    const res = await client.send(new PutEventsCommand({ Entries: entries }));
    return entries.map((_, i) => res.Entries?.[i]?.EventId !== undefined && !res.Entries?.[i]?.ErrorCode);
  };
}

/** One line per event instead of a call. */
export function printingSink(print: (line: string) => void): EventBridgeSink {
  return async (entries) =>
    entries.map((e) => {
      const event = JSON.parse(e.Detail) as { type: string; task: { id: string } };
      print(
        `[eventbridge] ${e.DetailType} ${event.type} ${event.task.id} -> bus ${e.EventBusName} (printed; set AWS_ENDPOINT_URL_EVENTBRIDGE to send)`,
      );
      return true;
    });
}

/** The sink local mode uses: the real client when an endpoint is configured, else printing. */
export function localEventBridgeSink(env: NodeJS.ProcessEnv, print: (line: string) => void): EventBridgeSink {
  return env.AWS_ENDPOINT_URL_EVENTBRIDGE ? putEventsSink(new EventBridgeClient({})) : printingSink(print);
}

/**
 * A handler of the queue's messages, as the pipe treats them: each becomes one entry; what the sink
 * does not accept is reported as a batch item failure and comes back. A body that is not an event
 * is dropped (the pipe would put it as is; ours are always events).
 */
export function eventBridgeForwarder(sink: EventBridgeSink, busName: string, source: string) {
  return async (sqsEvent: SQSEvent): Promise<SQSBatchResponse> => {
    const records = sqsEvent.Records.map((r) => ({ r, event: eventFromBody(r.body) }));
    const sendable = records.filter((x) => x.event !== undefined);
    const accepted =
      sendable.length > 0
        ? await sink(
            sendable.map((x) => eventBridgeEntry(x.event as NonNullable<typeof x.event>, busName, source)),
          )
        : [];
    return {
      batchItemFailures: sendable
        .filter((_, i) => !accepted[i])
        .map((x) => ({ itemIdentifier: x.r.messageId })),
    };
  };
}
