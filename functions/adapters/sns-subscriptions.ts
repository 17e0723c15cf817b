import {
  GetSubscriptionAttributesCommand,
  InvalidParameterException,
  ListSubscriptionsByTopicCommand,
  NotFoundException,
  type SNSClient,
  SubscribeCommand,
  UnsubscribeCommand,
} from "@aws-sdk/client-sns";
import { mapBounded } from "../core/bounded-concurrency.js";
import { ConflictError } from "../core/domain-errors.js";
import type { Subscription, SubscriptionRegistry } from "../core/ports.js";

const PENDING = "PendingConfirmation";

/**
 * Subscriptions of one topic. Ids are the last part of the ARN, so only this topic's can be named.
 * The stack's own subscriptions (`internalEndpoints`: the webhook and EventBridge queues, local
 * mode's delivery queue) are neither listed nor deletable.
 */
export class SnsSubscriptions implements SubscriptionRegistry {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
    private readonly internalEndpoints: readonly string[] = [],
  ) {}

  async subscribe(
    protocol: string,
    endpoint: string,
    filterPolicy: Record<string, unknown>,
    options: { rawDelivery?: boolean } = {},
  ): Promise<Subscription> {
    let res: { SubscriptionArn?: string };
    try {
      res = await this.sns.send(
        new SubscribeCommand({
          TopicArn: this.topicArn,
          Protocol: protocol,
          Endpoint: endpoint,
          Attributes: {
            FilterPolicy: JSON.stringify(filterPolicy),
            FilterPolicyScope: "MessageAttributes",
            ...(options.rawDelivery ? { RawMessageDelivery: "true" } : {}),
          },
          ReturnSubscriptionArn: true,
        }),
      );
    } catch (err) {
      // SNS refuses a second subscription of the same endpoint with other attributes (its filter).
      if (
        err instanceof InvalidParameterException &&
        /already exists with different attributes/i.test(err.message)
      ) {
        throw new ConflictError(
          `${protocol} ${endpoint} is already subscribed with a different filter (events, kinds or tags): delete that subscription first (GET /subscriptions lists it with its filter), then subscribe again`,
        );
      }
      throw err;
    }
    const arn = res.SubscriptionArn ?? "";
    // SMS needs no confirmation; email and HTTP(S) endpoints confirm through the message SNS sends.
    const listed = (await this.listOnly()).find((s) => s.id === idOf(arn));
    return {
      id: idOf(arn),
      protocol,
      endpoint,
      pendingConfirmation: listed ? listed.pendingConfirmation : !AUTO_CONFIRMED.has(protocol),
      filterPolicy,
      ...(options.rawDelivery ? { rawDelivery: true } : {}),
    };
  }

  /** Every subscription with its filter policy and raw delivery (one attribute read each). */
  async list(): Promise<Subscription[]> {
    const out = await this.listOnly();
    // Each confirmed subscription's filter policy (a pending one has no ARN to ask about yet).
    await mapBounded(out, 5, async (sub) => {
      if (!sub.id) return;
      const attrs = await this.attributesOf(`${this.topicArn}:${sub.id}`);
      const policy = attrs.FilterPolicy ? (JSON.parse(attrs.FilterPolicy) as unknown) : undefined;
      if (typeof policy === "object" && policy !== null && !Array.isArray(policy))
        sub.filterPolicy = policy as Record<string, unknown>;
      if (attrs.RawMessageDelivery === "true") sub.rawDelivery = true;
    });
    return out;
  }

  /** The subscriptions people made, from the listing alone (what subscribe and unsubscribe need). */
  private async listOnly(): Promise<Subscription[]> {
    const out: Subscription[] = [];
    let next: string | undefined;
    do {
      const res = await this.sns.send(
        new ListSubscriptionsByTopicCommand({ TopicArn: this.topicArn, NextToken: next }),
      );
      for (const s of res.Subscriptions ?? []) {
        // Only what people subscribe through the API: the stack's own queues (local delivery,
        // webhooks, EventBridge) are neither listed nor deletable here.
        if (!LISTED_PROTOCOLS.has(s.Protocol ?? "") || this.internalEndpoints.includes(s.Endpoint ?? ""))
          continue;
        const arn = s.SubscriptionArn ?? "";
        out.push({
          id: arn === PENDING ? "" : idOf(arn),
          protocol: s.Protocol ?? "",
          endpoint: s.Endpoint ?? "",
          pendingConfirmation: arn === PENDING,
        });
      }
      next = res.NextToken;
    } while (next);
    return out;
  }

  private async attributesOf(arn: string): Promise<Record<string, string>> {
    try {
      const res = await this.sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: arn }));
      return res.Attributes ?? {};
    } catch (err) {
      // Deleted between the listing and this read: listed without a filter rather than failing the list.
      if (err instanceof NotFoundException) return {};
      throw err;
    }
  }

  async unsubscribe(id: string): Promise<boolean> {
    const known = (await this.listOnly()).some((s) => s.id === id);
    if (!known) return false;
    await this.sns.send(new UnsubscribeCommand({ SubscriptionArn: `${this.topicArn}:${id}` }));
    return true;
  }
}

/** What people subscribe through the API (the stack's own queues are excluded by endpoint). */
const LISTED_PROTOCOLS = new Set(["email", "email-json", "sms", "http", "https", "sqs", "lambda"]);
/** Confirmed by SNS itself: SMS, and SQS and Lambda endpoints in the topic's account. */
const AUTO_CONFIRMED = new Set(["sms", "sqs", "lambda"]);

function idOf(arn: string): string {
  return arn.slice(arn.lastIndexOf(":") + 1);
}
