import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import {
  GetSubscriptionAttributesCommand,
  ListSubscriptionsByTopicCommand,
  type SNSClient,
  SubscribeCommand,
} from "@aws-sdk/client-sns";
import { DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { FauxqsServer } from "fauxqs";
import type { TaskEvent } from "../functions/core/events.js";
import { LOCAL_EVENTBRIDGE_QUEUE } from "./eventbridge-forwarder.js";
import {
  confirmationEnvelope,
  type Envelope,
  type LocalSubscription,
  matchesFilterPolicy,
  notificationEnvelope,
  parseStructure,
  postToSubscriber,
} from "./sns-wire.js";
import { LOCAL_STEP_FUNCTIONS_QUEUE } from "./step-functions-loop.js";
import { LOCAL_WEBHOOK_QUEUE } from "./webhook-loop.js";

const QUEUE = "local-sns-delivery";

/** Local mode's own queues are all named local-* in fauxqs's account. */
export function isLocalQueue(arn: string): boolean {
  return /^arn:aws:sqs:[^:]+:000000000000:local-/.test(arn);
}

/** The ARNs of local mode's own queues on the topic (the API hides them, as the stack's). */
export function localQueueArns(topicArn: string): string[] {
  const [, , , region, account] = topicArn.split(":");
  return [QUEUE, LOCAL_WEBHOOK_QUEUE, LOCAL_STEP_FUNCTIONS_QUEUE, LOCAL_EVENTBRIDGE_QUEUE].map(
    (n) => `arn:aws:sqs:${region}:${account}:${n}`,
  );
}

/**
 * What SNS does for HTTP(S), email and SMS subscribers, done locally: fauxqs fans out to SQS only,
 * so this reads every published message from a queue subscribed to the topic, prints it, and
 * delivers it to the subscriptions made through the API the way SNS does (a SubscriptionConfirmation
 * with a SubscribeURL first, then Notification POSTs). Email and SMS are printed, not sent.
 */
export class LocalSnsDelivery {
  private readonly subs = new Map<string, LocalSubscription>();
  private queueUrl = "";
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly o: {
      sns: SNSClient;
      sqs: SQSClient;
      fauxqs: FauxqsServer;
      topicArn: string;
      topicName: string;
      /** Base URL the confirmation link points at (the local API server). */
      confirmBaseUrl: string;
      print: (line: string) => void;
      /** Where subscriptions are kept across restarts (--data). */
      dataFile?: string;
    },
  ) {}

  async start(): Promise<void> {
    this.queueUrl = this.o.fauxqs.createQueue(QUEUE).queueUrl;
    this.o.fauxqs.subscribe({ topic: this.o.topicName, queue: QUEUE });
    await this.restore();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  /** The SubscribeURL handler: confirms the subscription with this token. */
  confirm(token: string): boolean {
    for (const s of this.subs.values()) {
      if (s.token === token && !s.confirmed) {
        s.confirmed = true;
        this.o.print(`[subscription] confirmed ${s.protocol} ${s.endpoint}`);
        this.persist();
        return true;
      }
      if (s.token === token) return true;
    }
    return false;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.syncSubscriptions();
        await this.deliverPending();
      } catch (err) {
        this.o.print(`[local sns] ${(err as Error).message}`);
      }
      if (!this.stopped) await new Promise((r) => setTimeout(r, 250));
    }
  }

  private async syncSubscriptions(): Promise<void> {
    const seen = new Set<string>();
    let next: string | undefined;
    do {
      const res = await this.o.sns.send(
        new ListSubscriptionsByTopicCommand({ TopicArn: this.o.topicArn, NextToken: next }),
      );
      for (const s of res.Subscriptions ?? []) {
        // Local mode's own queues (delivery, webhooks, EventBridge) are plumbing, not subscribers.
        if (!s.SubscriptionArn || (s.Protocol === "sqs" && isLocalQueue(s.Endpoint ?? ""))) continue;
        seen.add(s.SubscriptionArn);
        if (this.subs.has(s.SubscriptionArn)) continue;
        const attrs = await this.o.sns.send(
          new GetSubscriptionAttributesCommand({ SubscriptionArn: s.SubscriptionArn }),
        );
        const policy = attrs.Attributes?.FilterPolicy;
        const sub: LocalSubscription = {
          arn: s.SubscriptionArn,
          protocol: s.Protocol ?? "",
          endpoint: s.Endpoint ?? "",
          filterPolicy: policy ? (JSON.parse(policy) as Record<string, unknown>) : undefined,
          confirmed: s.Protocol === "sms",
          token: randomBytes(16).toString("hex"),
        };
        this.subs.set(sub.arn, sub);
        await this.askToConfirm(sub);
        this.persist();
      }
      next = res.NextToken;
    } while (next);
    for (const arn of [...this.subs.keys()]) {
      if (!seen.has(arn)) {
        this.subs.delete(arn);
        this.persist();
      }
    }
  }

  private async askToConfirm(sub: LocalSubscription): Promise<void> {
    if (sub.protocol === "email") {
      sub.confirmed = true; // nobody can click a link locally; printed deliveries need no consent
      this.o.print(
        `[subscription] email ${sub.endpoint}: SNS would send a confirmation link; locally, emails are printed here`,
      );
      return;
    }
    if (sub.protocol === "sms") {
      this.o.print(`[subscription] sms ${sub.endpoint}: locally, text messages are printed here`);
      return;
    }
    if (sub.protocol === "sqs" || sub.protocol === "lambda") {
      sub.confirmed = true; // SNS confirms these itself
      this.o.print(
        `[subscription] ${sub.protocol} ${sub.endpoint}: locally, what SNS would send there is printed here`,
      );
      return;
    }
    const body = confirmationEnvelope(this.o.topicArn, sub, this.o.confirmBaseUrl);
    const status = await postToSubscriber(sub, "SubscriptionConfirmation", body);
    this.o.print(
      status.startsWith("not sent")
        ? `[subscription] ${sub.protocol} ${sub.endpoint}: confirmation request ${status}`
        : `[subscription] ${sub.protocol} ${sub.endpoint}: confirmation request sent (${status}); waiting for a GET of its SubscribeURL`,
    );
  }

  private async deliverPending(): Promise<void> {
    for (;;) {
      const res = await this.o.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: this.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      const messages = res.Messages ?? [];
      if (messages.length === 0) return;
      for (const m of messages) {
        await this.deliver(JSON.parse(m.Body ?? "{}") as Envelope);
        await this.o.sqs.send(
          new DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: m.ReceiptHandle }),
        );
      }
    }
  }

  private async deliver(env: Envelope): Promise<void> {
    const structure = parseStructure(env.Message);
    const event = JSON.parse(structure.default) as TaskEvent;
    const t = event.task;
    const file = t.metadata.filename ? ` "${t.metadata.filename}"` : "";
    this.o.print(
      `[notification] ${event.type} ${t.id} (${t.kind}${file}) ${t.previousStatus} -> ${t.status}${t.error ? `: ${t.error}` : ""}  [event ${event.id}]`,
    );
    const attributes = Object.fromEntries(
      Object.entries(env.MessageAttributes ?? {}).map(([k, v]) => [k, v.Value]),
    );
    for (const sub of this.subs.values()) {
      if (!matchesFilterPolicy(sub.filterPolicy, attributes)) continue;
      if (sub.protocol === "email") {
        this.o.print(`  -> email ${sub.endpoint} (printed, not sent): ${env.Subject ?? ""}`);
        continue;
      }
      if (sub.protocol === "sms") {
        this.o.print(`  -> sms ${sub.endpoint} (printed, not sent): ${structure.sms ?? structure.default}`);
        continue;
      }
      if (sub.protocol === "sqs" || sub.protocol === "lambda") {
        this.o.print(`  -> ${sub.protocol} ${sub.endpoint} (printed, not sent)`);
        continue;
      }
      if (!sub.confirmed) {
        this.o.print(`  -> ${sub.endpoint}: skipped, subscription not confirmed yet`);
        continue;
      }
      const message = structure[sub.protocol] ?? structure.default;
      const status = await postToSubscriber(
        sub,
        "Notification",
        notificationEnvelope(this.o.topicArn, env, message, this.o.confirmBaseUrl),
      );
      this.o.print(`  -> ${sub.endpoint} ${status}`);
    }
  }

  private persist(): void {
    if (!this.o.dataFile) return;
    const list = [...this.subs.values()].map(({ protocol, endpoint, filterPolicy, confirmed }) => ({
      protocol,
      endpoint,
      filterPolicy,
      confirmed,
    }));
    writeFileSync(this.o.dataFile, JSON.stringify(list, null, 2));
  }

  /** Re-creates the subscriptions kept in --data (fauxqs itself keeps nothing across restarts). */
  private async restore(): Promise<void> {
    if (!this.o.dataFile || !existsSync(this.o.dataFile)) return;
    const list = JSON.parse(readFileSync(this.o.dataFile, "utf8")) as Array<
      Omit<LocalSubscription, "arn" | "token">
    >;
    for (const s of list) {
      const res = await this.o.sns.send(
        new SubscribeCommand({
          TopicArn: this.o.topicArn,
          Protocol: s.protocol,
          Endpoint: s.endpoint,
          Attributes: s.filterPolicy ? { FilterPolicy: JSON.stringify(s.filterPolicy) } : undefined,
          ReturnSubscriptionArn: true,
        }),
      );
      const arn = res.SubscriptionArn ?? "";
      this.subs.set(arn, { ...s, arn, token: randomBytes(16).toString("hex") });
    }
  }
}
