import { Annotations, Duration, type RemovalPolicy } from "aws-cdk-lib";
import { PolicyStatement, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Key } from "aws-cdk-lib/aws-kms";
import { CfnPermission } from "aws-cdk-lib/aws-lambda";
import { CfnSubscription, Topic } from "aws-cdk-lib/aws-sns";
import { Construct } from "constructs";
import { endpointProblem } from "../../functions/core/endpoint-rules.js";
import { filterPolicyFor } from "../../functions/core/subscription-filter.js";
import type { InitialSubscription } from "../config.js";

export interface NotificationTopicProps {
  /** Shown in emails and SMS as the sender. */
  displayName: string;
  removalPolicy: RemovalPolicy;
  initialSubscriptions?: InitialSubscription[];
  /** AWS services that publish to this topic (e.g. CloudWatch alarms) and so need the key. */
  servicePublishers?: string[];
}

/** A KMS-encrypted, TLS-only topic with the stage's initial subscriptions and their filter policies. */
export class NotificationTopic extends Construct {
  readonly topic: Topic;
  readonly key: Key;

  constructor(scope: Construct, id: string, props: NotificationTopicProps) {
    super(scope, id);
    this.key = new Key(this, "Key", {
      description: `Encrypts the ${props.displayName} SNS topic`,
      enableKeyRotation: true,
      pendingWindow: Duration.days(7),
      removalPolicy: props.removalPolicy,
    });
    for (const service of props.servicePublishers ?? []) {
      this.key.addToResourcePolicy(
        new PolicyStatement({
          actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
          principals: [new ServicePrincipal(service)],
          resources: ["*"],
        }),
      );
    }
    this.topic = new Topic(this, "Topic", {
      displayName: props.displayName,
      masterKey: this.key,
      enforceSSL: true,
      // SHA256 signatures on what SNS delivers to HTTPS endpoints (version 1 is SHA1).
      signatureVersion: "2",
    });
    if (props.servicePublishers?.length) {
      this.topic.addToResourcePolicy(
        new PolicyStatement({
          actions: ["sns:Publish"],
          principals: props.servicePublishers.map((s) => new ServicePrincipal(s)),
          resources: [this.topic.topicArn],
        }),
      );
    }
    (props.initialSubscriptions ?? []).forEach((sub, i) => {
      const problem = endpointProblem(sub.protocol, sub.endpoint, false);
      if (problem)
        throw new Error(`initialSubscriptions[${i}] (${sub.protocol}): the endpoint is refused: ${problem}`);
      if (sub.rawDelivery && sub.protocol !== "sqs" && sub.protocol !== "https")
        throw new Error(`initialSubscriptions[${i}]: rawDelivery is for sqs and https subscriptions only`);
      new CfnSubscription(this, `Subscription${i}`, {
        topicArn: this.topic.topicArn,
        protocol: sub.protocol,
        endpoint: sub.endpoint,
        filterPolicy: filterPolicyFor({ events: sub.events }),
        filterPolicyScope: "MessageAttributes",
        ...(sub.rawDelivery ? { rawMessageDelivery: true } : {}),
      });
      // A function in the stage's config: the topic may invoke it (an addition to its policy).
      if (sub.protocol === "lambda")
        new CfnPermission(this, `Subscription${i}Invoke`, {
          action: "lambda:InvokeFunction",
          functionName: sub.endpoint,
          principal: "sns.amazonaws.com",
          sourceArn: this.topic.topicArn,
        });
      // A queue's policy is its owner's whole document: the stack cannot add one statement to it.
      if (sub.protocol === "sqs")
        Annotations.of(this).addInfo(
          `initialSubscriptions[${i}]: the queue ${sub.endpoint} must allow sns.amazonaws.com sqs:SendMessage with aws:SourceArn = this topic (and, for a KMS-encrypted queue, kms:GenerateDataKey and kms:Decrypt on its key): README, Subscriptions inside AWS`,
        );
    });
  }
}
