import { Duration, SecretValue, Stack, type StackProps } from "aws-cdk-lib";
import { Authorization, Connection } from "aws-cdk-lib/aws-events";
import {
  Choice,
  Condition,
  CustomState,
  DefinitionBody,
  Fail,
  JsonPath,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
} from "aws-cdk-lib/aws-stepfunctions";
import { CallAwsService, HttpInvoke } from "aws-cdk-lib/aws-stepfunctions-tasks";
import type { Construct } from "constructs";

/** Where the notifier is and where the keys are: the notifier stack's outputs and your secret. */
export interface EmbedPipelineProps extends StackProps {
  /** The notifier's REST API id: the `<id>` in its `ApiUrl` output (https://<id>.execute-api.<region>.amazonaws.com/v1). */
  notifierRestApiId: string;
  /** A Secrets Manager secret (name) whose value is the notifier's client API key (output ClientApiKeyId). */
  notifierKeySecretName: string;
  /** The secret holding the TwelveLabs API key (the notifier's TwelveLabsKeySecretName output). */
  twelvelabsKeySecretName: string;
  /** TwelveLabs' API root; default the public API. */
  twelvelabsApiRoot?: string;
}

/** The waiting state's HeartbeatSeconds, sent to the notifier as heartbeatSeconds. */
export const HEARTBEAT_SECONDS = 900;

/** The error names the notifier sends with SendTaskFailure (README: Step Functions callbacks). */
export const NOTIFIER_FAILURES = [
  "TwelveLabs.TaskFailed",
  "TwelveLabs.TaskTimedOut",
  "TwelveLabs.TaskNotFound",
];

/**
 * A Standard workflow that embeds a video with TwelveLabs and waits for it without a polling loop:
 * start the embedding task, register it with the notifier with the execution's task token, and go
 * on when the notifier answers the token (the event as output; a stable error name on failure).
 */
export class EmbedPipelineStack extends Stack {
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: EmbedPipelineProps) {
    super(scope, id, props);
    const apiRoot = props.twelvelabsApiRoot ?? "https://api.twelvelabs.io/v1.3";
    const twelvelabs = new Connection(this, "TwelveLabs", {
      description: "TwelveLabs API key for the embedding pipeline's HTTP Task",
      authorization: Authorization.apiKey(
        "x-api-key",
        SecretValue.secretsManager(props.twelvelabsKeySecretName),
      ),
    });

    // 1. Start an async embedding task (embed-v2 takes JSON): its id is all the workflow keeps.
    const start = new HttpInvoke(this, "StartEmbedding", {
      apiRoot,
      apiEndpoint: TaskInput.fromText("embed-v2/tasks"),
      method: TaskInput.fromText("POST"),
      connection: twelvelabs,
      headers: TaskInput.fromObject({ "Content-Type": "application/json" }),
      body: TaskInput.fromObject({
        input_type: "video",
        model_name: "marengo3.0",
        video: { media_source: { url: JsonPath.stringAt("$.videoUrl") } },
      }),
      resultSelector: { taskId: JsonPath.stringAt("$.ResponseBody._id") },
      resultPath: "$.embedding",
    });

    // 2. The notifier's client key, read when the execution runs (never in the definition).
    const key = new CallAwsService(this, "GetNotifierKey", {
      service: "secretsmanager",
      action: "getSecretValue",
      parameters: { SecretId: props.notifierKeySecretName },
      iamResources: [
        `arn:${this.partition}:secretsmanager:${this.region}:${this.account}:secret:${props.notifierKeySecretName}-*`,
      ],
      resultSelector: { value: JsonPath.stringAt("$.SecretString") },
      resultPath: "$.notifierKey",
    });

    // 3. Register the task with this execution's token and wait: no loop, no Lambda, no table. Raw
    //    ASL (a CustomState): CDK's CallApiGatewayRestApiEndpoint insists on the token in a header,
    //    and the notifier takes it in the body, where it is sealed and never logged.
    const wait = new CustomState(this, "WaitForEmbedding", {
      stateJson: {
        Type: "Task",
        Resource: "arn:aws:states:::apigateway:invoke.waitForTaskToken",
        Parameters: {
          ApiEndpoint: `${props.notifierRestApiId}.execute-api.${this.region}.${this.urlSuffix}`,
          Method: "POST",
          Stage: "v1",
          Path: "/tasks",
          AuthType: "NO_AUTH",
          Headers: {
            "x-api-key.$": "States.Array($.notifierKey.value)",
            "content-type": ["application/json"],
          },
          RequestBody: {
            "taskId.$": "$.embedding.taskId",
            kind: "embed-v2",
            // Kept in the notifier's bucket: the event (this state's result) names the object.
            archive: true,
            "taskToken.$": "$$.Task.Token",
            // The notifier heartbeats every third of this; the state fails after it without one.
            heartbeatSeconds: HEARTBEAT_SECONDS,
            deadlineSeconds: 6 * 3600,
          },
        },
        HeartbeatSeconds: HEARTBEAT_SECONDS,
        TimeoutSeconds: 7 * 3600,
        ResultPath: "$.notification",
      },
    });

    const failed = new Fail(this, "EmbeddingFailed", {
      causePath: "$.failure.Cause",
      errorPath: "$.failure.Error",
    });
    wait.addCatch(failed, { errors: NOTIFIER_FAILURES, resultPath: "$.failure" });

    // 4. Go on with the result: the archived copy when the event names one (task.result.uri), else
    //    TwelveLabs' own result link (kept seven days by TwelveLabs).
    const done = new Choice(this, "ResultArchived?")
      .when(
        Condition.isPresent("$.notification.task.result.uri"),
        new Succeed(this, "UseArchivedResult", { outputPath: "$.notification.task.result" }),
      )
      .otherwise(new Succeed(this, "UseTwelveLabsResult", { outputPath: "$.notification.links" }));

    this.stateMachine = new StateMachine(this, "EmbedVideo", {
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromChainable(start.next(key).next(wait).next(done)),
      timeout: Duration.hours(8),
    });
  }
}
