import { type MessageAttributeValue, PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import { emailSubject, emailText, smsText } from "../core/event-messages.js";
import type { TaskEvent } from "../core/events.js";
import type { EventPublisher, PublishRoute } from "../core/ports.js";

/** The message attribute the webhook queue's subscription filters on (set only when true). */
export const WEBHOOK_ATTRIBUTE = "webhook";
/** The filter policy of the webhook queue's subscription. */
export const WEBHOOK_FILTER_POLICY = { [WEBHOOK_ATTRIBUTE]: ["true"] };

/**
 * Publishes events to the stack's topic with `MessageStructure: "json"`: HTTP/SQS subscribers get
 * the JSON event (`default`), email a readable text, SMS one short line. Message attributes carry
 * what subscription filter policies match on.
 */
export class SnsPublisher implements EventPublisher {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
    /** Tag keys copied into `tag.<key>` message attributes, for filter policies. */
    private readonly tagAttributes: readonly string[] = [],
  ) {}

  async publish(event: TaskEvent, route?: PublishRoute): Promise<void> {
    await this.sns.send(new PublishCommand(publishInput(this.topicArn, event, this.tagAttributes, route)));
  }
}

export function publishInput(
  topicArn: string,
  event: TaskEvent,
  tagAttributes: readonly string[] = [],
  route?: PublishRoute,
) {
  const json = JSON.stringify(event);
  const attributes: Record<string, MessageAttributeValue> = {
    eventType: str(event.type),
    status: str(event.task.status),
    kind: str(event.task.kind),
    stage: str(event.stage),
  };
  if (route?.webhook) attributes[WEBHOOK_ATTRIBUTE] = str("true");
  for (const key of tagAttributes) {
    const value = event.task.tags[key];
    if (value !== undefined && value !== "") attributes[`tag.${key}`] = str(value);
  }
  return {
    TopicArn: topicArn,
    MessageStructure: "json",
    Message: JSON.stringify({ default: json, email: emailText(event), sms: smsText(event) }),
    Subject: emailSubject(event),
    MessageAttributes: attributes,
  };
}

function str(value: string): MessageAttributeValue {
  return { DataType: "String", StringValue: value };
}
