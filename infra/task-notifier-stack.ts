import { CfnOutput, Fn, Stack, type StackProps } from "aws-cdk-lib";
import type { Grant, IGrantable } from "aws-cdk-lib/aws-iam";
import type { Construct } from "constructs";
import type { StageConfig } from "./config.js";
import { TaskNotifier } from "./task-notifier.js";

export interface TaskNotifierStackProps extends StackProps {
  config: StageConfig;
}

/** One environment of the notifier: the TaskNotifier construct and its outputs. */
export class TaskNotifierStack extends Stack {
  readonly notifier: TaskNotifier;

  constructor(scope: Construct, id: string, props: TaskNotifierStackProps) {
    super(scope, id, { ...props, terminationProtection: props.config.terminationProtection });
    const c = props.config;
    // "Default": the construct adds no level to the logical ids (the templates stay as they were).
    const n = new TaskNotifier(this, "Default", c);
    this.notifier = n;
    const api = n.api;
    const output = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description });
    // Without a trailing slash, like local mode's base URL: $NOTIFIER/tasks in both.
    const apiUrl = Fn.join("", [
      "https://",
      api.api.restApiId,
      ".execute-api.",
      this.region,
      ".",
      this.urlSuffix,
      "/",
      api.api.deploymentStage.stageName,
    ]);
    output(
      "ApiUrl",
      apiUrl,
      "Base URL of the notifier API (export NOTIFIER=<this>; routes are $NOTIFIER/tasks, $NOTIFIER/subscriptions)",
    );
    output(
      "IamInvokeArn",
      api.api.arnForExecuteApi("*", "/iam/tasks/*", api.api.deploymentStage.stageName),
      "For callers inside AWS without an API key: allow execute-api:Invoke on this (and on the same ARN without /*) and call $NOTIFIER/iam/tasks signed with SigV4",
    );
    output(
      "TwelveLabsWebhookUrl",
      Fn.join("", [apiUrl, "/twelvelabs/webhooks"]),
      "Add this URL as a webhook endpoint in TwelveLabs' dashboard (index and analysis events), then put its secret in TwelveLabsWebhookSecretName",
    );
    output(
      "TwelveLabsWebhookSecretName",
      n.twelveLabsWebhookSecret.secretName,
      "Secrets Manager secret for the TwelveLabs webhook endpoint's secret: aws secretsmanager put-secret-value --secret-id <this> --secret-string <secret>",
    );
    output(
      "ClientApiKeyId",
      api.apiKey.keyId,
      "The client API key's id (task routes): aws apigateway get-api-key --include-value --api-key <id>",
    );
    output(
      "AdminApiKeyId",
      api.adminKey.keyId,
      "The admin API key's id (every route, subscriptions too): aws apigateway get-api-key --include-value --api-key <id>",
    );
    output(
      "TopicArn",
      n.topic.topicArn,
      "SNS topic of task events (subscriptions, SNS HTTPS receivers check it)",
    );
    output(
      "OperationsTopicArn",
      n.operationsTopic.topicArn,
      "SNS topic the stage's alarms notify (alarmEmail subscribes to it; add your own subscriptions)",
    );
    output(
      "TwelveLabsKeySecretName",
      n.twelveLabsKeySecret.secretName,
      "Secrets Manager secret holding the TwelveLabs API key: put your key here",
    );
    output(
      "WebhookSecretName",
      n.webhookSigningSecret.secretName,
      "Webhook signing secret; receivers use whsec_ + its current value (README: Webhooks)",
    );
    output(
      "WebhookDeadLetterQueueUrl",
      n.webhookDeadLetterQueue.queueUrl,
      "Webhook deliveries that failed every attempt",
    );
    output(
      "StepFunctionsDeadLetterQueueUrl",
      n.stepFunctionsDeadLetterQueue.queueUrl,
      "Step Functions callbacks that failed every attempt (the task's callback.waiters say which)",
    );
    output(
      "ResultsBucketName",
      n.resultsBucket.bucketName,
      `S3 bucket of archived results (keys ${c.stage}/<kind>/<taskId>/<registeredAt>.json; GET /tasks/{id}/result redirects there)`,
    );
    output(
      "EventBusName",
      n.eventBus.eventBusName,
      `EventBridge bus every task event goes to (detail-type "TwelveLabs Task State Change", source ${c.eventBridge.source})`,
    );
    output("TableName", n.table.tableName, "DynamoDB table of watched tasks");
    output(
      "DashboardName",
      n.dashboardName,
      "CloudWatch > Dashboards: the poller, TwelveLabs calls, events, delays, the API and the alarms",
    );
  }

  /** Lets `grantee` (a role, a function) call the task routes with IAM (SigV4), without an API key. */
  grantRegister(grantee: IGrantable): Grant {
    return this.notifier.grantRegister(grantee);
  }
}
