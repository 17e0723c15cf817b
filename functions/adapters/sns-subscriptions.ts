import {
  InvalidParameterException,
  ListSubscriptionsByTopicCommand,
  type SNSClient,
  SubscribeCommand,
  UnsubscribeCommand,
} from "@aws-sdk/client-sns";
import { ConflictError } from "../core/domain-errors.js";
import type { Subscription, SubscriptionRegistry } from "../core/ports.js";

const PENDING = "PendingConfirmation";

/** Subscriptions of one topic. Ids are the last part of the ARN, so only this topic's can be named. */
export class SnsSubscriptions implements SubscriptionRegistry {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
  ) {}

  async subscribe(
    protocol: string,
    endpoint: string,
    filterPolicy: Record<string, unknown>,
  ): Promise<Subscription> {
    let res: { SubscriptionArn?: string };
    try {
      res = await this.sns.send(
        new SubscribeCommand({
          TopicArn: this.topicArn,
          Protocol: protocol,
          Endpoint: endpoint,
          Attributes: { FilterPolicy: JSON.stringify(filterPolicy), FilterPolicyScope: "MessageAttributes" },
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
          `${protocol} ${endpoint} is already subscribed with a different filter: delete that subscription first (GET /subscriptions lists it)`,
        );
      }
      throw err;
    }
    const arn = res.SubscriptionArn ?? "";
    // SMS needs no confirmation; email and HTTP(S) endpoints confirm through the message SNS sends.
    const listed = (await this.list()).find((s) => s.id === idOf(arn));
    return {
      id: idOf(arn),
      protocol,
      endpoint,
      pendingConfirmation: listed ? listed.pendingConfirmation : protocol !== "sms",
      filterPolicy,
    };
  }

  async list(): Promise<Subscription[]> {
    const out: Subscription[] = [];
    let next: string | undefined;
    do {
      const res = await this.sns.send(
        new ListSubscriptionsByTopicCommand({ TopicArn: this.topicArn, NextToken: next }),
      );
      for (const s of res.Subscriptions ?? []) {
        // Only what people subscribe through the API: SQS and Lambda subscriptions are the stack's
        // own plumbing (local delivery, webhooks) and are neither listed nor deletable here.
        if (!PEOPLE_PROTOCOLS.has(s.Protocol ?? "")) continue;
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

  async unsubscribe(id: string): Promise<boolean> {
    const known = (await this.list()).some((s) => s.id === id);
    if (!known) return false;
    await this.sns.send(new UnsubscribeCommand({ SubscriptionArn: `${this.topicArn}:${id}` }));
    return true;
  }
}

const PEOPLE_PROTOCOLS = new Set(["email", "email-json", "sms", "http", "https"]);

function idOf(arn: string): string {
  return arn.slice(arn.lastIndexOf(":") + 1);
}
