import { type MessageAttributeValue, PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import { emailSubject, emailText, smsText } from "../core/event-messages.js";
import type { TaskEvent } from "../core/events.js";
import { type EventPublisher, PermanentPublishError, type PublishRoute } from "../core/ports.js";
import { CALLBACKS_ATTRIBUTE } from "../core/shared-names.js";
import { jsonForAws } from "../core/text-rules.js";

// Shared with the stack (its queues filter on them): one module both import.
export {
  CALLBACKS_ATTRIBUTE,
  STEP_FUNCTIONS_FILTER_POLICY,
  WEBHOOK_FILTER_POLICY,
} from "../core/shared-names.js";

/** The `callbacks` attribute's value for a route; undefined when the event goes to no callback. */
export function callbacksValue(route?: PublishRoute): string | undefined {
  const parts = [route?.webhook ? "webhook" : "", route?.stepFunctions ? "stepfunctions" : ""].filter(
    Boolean,
  );
  return parts.length > 0 ? parts.join(",") : undefined;
}

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
    try {
      await this.sns.send(new PublishCommand(publishInput(this.topicArn, event, this.tagAttributes, route)));
    } catch (err) {
      const why = permanentReason(err);
      if (why) throw new PermanentPublishError(why, { cause: err });
      throw err;
    }
  }
}

/**
 * Why this event can never be published, when the failure is its content's: the SDK cannot encode
 * it (a lone surrogate: URIError), or SNS refuses a message, subject or attribute value as invalid.
 * Anything else (throttling, outages, permissions, a missing topic) may pass on a retry and keeps
 * the event in the outbox: setting aside every event for a stage-wide fault would lose them all.
 */
export function permanentReason(err: unknown): string | undefined {
  if (err instanceof URIError)
    return "the event holds text the AWS SDK cannot encode (a lone UTF-16 surrogate)";
  const name = (err as { name?: unknown })?.name;
  const message = String((err as { message?: unknown })?.message ?? "");
  if (
    (name === "InvalidParameterException" || name === "InvalidParameterValueException") &&
    /message attribute|MessageAttribute|\bMessage\b|Subject|invalid character|too long/i.test(message) &&
    !/TopicArn|Topic does not exist/i.test(message)
  )
    return `SNS refused the event's content: ${message.slice(0, 200)}`;
  return undefined;
}

export function publishInput(
  topicArn: string,
  event: TaskEvent,
  tagAttributes: readonly string[] = [],
  route?: PublishRoute,
) {
  // U+FFFE/U+FFFF escaped: SNS refuses them raw (an attribute value holding one still fails: set aside).
  const json = jsonForAws(event);
  const attributes: Record<string, MessageAttributeValue> = {
    eventType: str(event.type),
    status: str(event.task.status),
    kind: str(event.task.kind),
    stage: str(event.stage),
  };
  const callbacks = callbacksValue(route);
  if (callbacks) attributes[CALLBACKS_ATTRIBUTE] = str(callbacks);
  for (const key of tagAttributes) {
    const value = event.task.tags[key];
    if (value !== undefined && value !== "") attributes[`tag.${key}`] = str(value);
  }
  return {
    TopicArn: topicArn,
    MessageStructure: "json",
    Message: jsonForAws({ default: json, email: emailText(event), sms: smsText(event) }),
    Subject: emailSubject(event),
    MessageAttributes: attributes,
  };
}

function str(value: string): MessageAttributeValue {
  return { DataType: "String", StringValue: value };
}
