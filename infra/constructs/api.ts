import { Duration, type RemovalPolicy, Validations } from "aws-cdk-lib";
import {
  AccessLogFormat,
  ApiKey,
  ApiKeySourceType,
  AuthorizationType,
  EndpointType,
  type IApiKey,
  type IResource,
  JsonSchemaType,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  Model,
  Period,
  RequestValidator,
  ResponseType,
  RestApi,
} from "aws-cdk-lib/aws-apigateway";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import { Grant, type IGrantable, PolicyStatement } from "aws-cdk-lib/aws-iam";
import { LogGroup } from "aws-cdk-lib/aws-logs";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import { Construct } from "constructs";
import { subscriptionProtocols } from "../../functions/core/deployment-defaults.js";
import type { StageConfig } from "../config.js";
import { NotifierFunction } from "./notifier-function.js";
import { bedrockRegionsEnv } from "./poller.js";

/** The REST API's name in a stage: API Gateway's own metrics are keyed by it. */
export function restApiName(stage: string): string {
  return `twelvelabs-task-notifier-${stage}`;
}

/** Requests a second (and burst) TwelveLabs' webhook route takes: far above any account's event rate. */
export const TL_WEBHOOK_THROTTLE = { rateLimit: 20, burstLimit: 40 } as const;

export interface ApiProps {
  config: StageConfig;
  table: ITable;
  topic: ITopic;
  removalPolicy: RemovalPolicy;
}

/**
 * The REST API: every method needs an API key (usage plan with the stage's throttle and quota),
 * bodies are checked at the gateway and again in the function, access is logged, and gateway
 * errors use the same `{ "error": { code, message } }` shape as the function's.
 */
export class NotifierApi extends Construct {
  readonly function: NotifierFunction;
  readonly api: RestApi;
  /** The client key (task routes) and the admin key (every route). */
  readonly apiKey: IApiKey;
  readonly adminKey: IApiKey;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const c = props.config;
    this.function = new NotifierFunction(this, "Function", {
      entry: "api.ts",
      description: "Registers TwelveLabs tasks and manages notification subscriptions",
      timeout: Duration.seconds(10),
      memorySize: 256,
      logRetentionDays: c.logRetentionDays,
      removalPolicy: props.removalPolicy,
      logLevel: c.logLevel,
      environment: {
        STAGE: c.stage,
        TOPIC_ARN: props.topic.topicArn,
        TWELVELABS_BASE_URL: c.twelvelabsBaseUrl,
        DEFAULT_DEADLINE_SECONDS: String(c.defaultDeadline.toSeconds()),
        TAG_ATTRIBUTES: c.tagAttributes.join(","),
      },
    }).bindTable(props.table, c.shards, ["PutItem", "GetItem", "Query", "BatchGetItem"]);
    // Which Bedrock regions registrations may name (the poller's own list).
    const bedrockRegions = bedrockRegionsEnv(c);
    if (bedrockRegions !== undefined) this.function.fn.addEnvironment("BEDROCK_REGIONS", bedrockRegions);
    // The table: register (conditional put), read, list (the list index and its items, filtered or
    // not: never a Scan), delete (a conditional put of a tombstone); nothing else.
    // Subscriptions of this topic only; the api never publishes.
    const protocols = subscriptionProtocols(c.subscriptions);
    this.function.fn.addEnvironment("SUBSCRIPTION_PROTOCOLS", protocols.join(","));
    this.function.fn.addEnvironment("SUBSCRIPTION_MAX", String(c.subscriptions.maxCount));
    if (c.subscriptions.emailDomains?.length)
      this.function.fn.addEnvironment("SUBSCRIPTION_EMAIL_DOMAINS", c.subscriptions.emailDomains.join(","));
    if (c.subscriptions.httpsHosts?.length)
      this.function.fn.addEnvironment("SUBSCRIPTION_HTTPS_HOSTS", c.subscriptions.httpsHosts.join(","));
    // Subscribe only with the protocols the stage allows, even if the function's own check failed.
    this.function.fn.addToRolePolicy(
      new PolicyStatement({
        actions: ["sns:Subscribe"],
        resources: [props.topic.topicArn],
        conditions: { StringEquals: { "sns:Protocol": protocols } },
      }),
    );
    this.function.fn.addToRolePolicy(
      new PolicyStatement({ actions: ["sns:ListSubscriptionsByTopic"], resources: [props.topic.topicArn] }),
    );
    // The Service Authorization Reference lists no resource type for sns:Unsubscribe (unlike
    // Subscribe, which takes topic*): IAM evaluates it against "*" only, so a topic ARN (or
    // "<topic>:*") in Resource never matches. The function itself unsubscribes only ids that
    // ListSubscriptionsByTopic returned for this stage's topic (routes.ts, DELETE /subscriptions/{id}).
    // GetSubscriptionAttributes (GET /subscriptions shows each filter policy) likewise has no resource type.
    this.function.fn.addToRolePolicy(
      new PolicyStatement({
        actions: ["sns:GetSubscriptionAttributes", "sns:Unsubscribe"],
        resources: ["*"],
      }),
    );

    Validations.of(this.function.fn.role ?? this.function.fn).acknowledge({
      id: "AwsSolutions::AwsSolutions-IAM5[Resource::*]",
      reason:
        "sns:Unsubscribe and sns:GetSubscriptionAttributes have no resource type in the Service Authorization Reference (Resource must be *); the function names only subscriptions it listed on this stage's topic.",
    });

    const accessLogs = new LogGroup(this, "AccessLogs", {
      retention: c.logRetentionDays,
      removalPolicy: props.removalPolicy,
    });
    this.api = new RestApi(this, "Api", {
      // Per stage: API Gateway's metrics (Api5xx, the dashboard) are keyed by ApiName, so one name
      // for every stage would add up the stages that share an account and region.
      restApiName: restApiName(c.stage),
      description: `TwelveLabs task notifier (${c.stage})`,
      endpointTypes: [EndpointType.REGIONAL],
      apiKeySourceType: ApiKeySourceType.HEADER,
      defaultMethodOptions: { apiKeyRequired: true },
      // The region-wide API Gateway logging role (AWS::ApiGateway::Account) is not a stage's to own:
      // the last stage deployed would win and destroying one would stop every API's execution logs.
      // It lives in the account stack (infra/account-stack.ts), deployed once per account and region.
      cloudWatchRole: false,
      deployOptions: {
        stageName: "v1",
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
        loggingLevel: MethodLoggingLevel.ERROR,
        metricsEnabled: true,
        throttlingRateLimit: c.api.rateLimit,
        throttlingBurstLimit: c.api.burstLimit,
        // No usage plan covers a keyless route: TwelveLabs' webhooks get their own method throttle,
        // so a flood of bad signatures costs little (each is refused before any table access).
        methodOptions: {
          "/twelvelabs/webhooks/POST": {
            throttlingRateLimit: TL_WEBHOOK_THROTTLE.rateLimit,
            throttlingBurstLimit: TL_WEBHOOK_THROTTLE.burstLimit,
          },
        },
      },
    });
    // The Endpoint output RestApi adds by itself duplicates the stack's ApiUrl output.
    this.api.node.tryRemoveChild("Endpoint");
    const errorTemplate = (code: string) => ({
      "application/json": `{"error":{"code":"${code}","message":$context.error.messageString}}`,
    });
    this.api.addGatewayResponse("BadBody", {
      type: ResponseType.BAD_REQUEST_BODY,
      templates: errorTemplate("invalid_request"),
    });
    this.api.addGatewayResponse("Default4xx", {
      type: ResponseType.DEFAULT_4XX,
      templates: errorTemplate("request_rejected"),
    });
    this.api.addGatewayResponse("Default5xx", {
      type: ResponseType.DEFAULT_5XX,
      templates: errorTemplate("internal_error"),
    });

    const validator = new RequestValidator(this, "BodyValidator", {
      restApi: this.api,
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const objectBody = new Model(this, "ObjectBody", {
      restApi: this.api,
      contentType: "application/json",
      description: "Any JSON object; the function checks the fields",
      schema: { type: JsonSchemaType.OBJECT },
    });
    const integration = new LambdaIntegration(this.function.fn);
    const withBody = { requestValidator: validator, requestModels: { "application/json": objectBody } };

    /** The task routes under `parent` (`/tasks` with a key; `/iam/tasks` with SigV4). */
    const addTaskRoutes = (parent: IResource) => {
      const tasks = parent.addResource("tasks");
      tasks.addMethod("POST", integration, withBody);
      tasks.addMethod("GET", integration);
      tasks.addResource("batch").addMethod("POST", integration, withBody);
      const task = tasks.addResource("{taskId}");
      task.addMethod("GET", integration);
      task.addMethod("PATCH", integration, withBody);
      task.addMethod("DELETE", integration);
      // The body is optional here (default: the newest event): the function checks it when present.
      task.addResource("redeliver").addMethod("POST", integration);
      task.addResource("result").addMethod("GET", integration);
    };
    addTaskRoutes(this.api.root);
    // The API's own description (spec/notifier-api.openapi.json): public, like any API's docs.
    this.api.root.addResource("openapi.json").addMethod("GET", integration, { apiKeyRequired: false });
    // TwelveLabs cannot send a key: the function checks TL-Signature over the raw body.
    this.api.root
      .addResource("twelvelabs")
      .addResource("webhooks")
      .addMethod("POST", integration, { apiKeyRequired: false });
    const subs = this.api.root.addResource("subscriptions");
    subs.addMethod("POST", integration, withBody);
    subs.addMethod("GET", integration);
    subs.addResource("{subscriptionId}").addMethod("DELETE", integration);

    // The task routes again under /iam for callers inside AWS: SigV4 (AWS_IAM) instead of an API
    // key; grantRegister gives a role execute-api:Invoke on exactly these. Subscriptions stay admin-only.
    const iam = this.api.root.addResource("iam", {
      defaultMethodOptions: { authorizationType: AuthorizationType.IAM, apiKeyRequired: false },
    });
    addTaskRoutes(iam);

    const plan = this.api.addUsagePlan("UsagePlan", {
      description: `Throttle and quota for the ${c.stage} notifier API`,
      throttle: { rateLimit: c.api.rateLimit, burstLimit: c.api.burstLimit },
      quota: { limit: c.api.quotaPerDay, period: Period.DAY },
      apiStages: [{ api: this.api, stage: this.api.deploymentStage }],
    });
    // Two keys, both in the usage plan: the client key reaches the task routes; the admin key every
    // route, subscriptions too. The function tells them apart by requestContext.identity.apiKeyId.
    this.apiKey = this.api.addApiKey("ApiKey", {
      description: `Notifier client key: task routes (${c.stage})`,
    });
    plan.addApiKey(this.apiKey);
    // Not attached to the stage directly (that would make the function depend on the deployment).
    this.adminKey = new ApiKey(this, "AdminKey", {
      description: `Notifier admin key: every route (${c.stage})`,
    });
    plan.addApiKey(this.adminKey);
    this.function.fn.addEnvironment("ADMIN_API_KEY_ID", this.adminKey.keyId);

    Validations.of(this.api).acknowledge({
      id: "AwsSolutions::AwsSolutions-APIG3",
      reason:
        "A WAF web ACL is an account-level choice with its own cost; API keys, usage-plan throttling and quotas bound abuse.",
    });
    Validations.of(this.api).acknowledge({
      id: "AwsSolutions::AwsSolutions-APIG4",
      reason:
        "Machine-to-machine API authenticated with API keys and a usage plan; put IAM or Cognito in front if users need identities.",
    });
    Validations.of(this.api).acknowledge({
      id: "AwsSolutions::AwsSolutions-COG4",
      reason: "No end-user identities: callers are services holding the stage's API key.",
    });
  }

  /**
   * Lets `grantee` call the task routes with IAM (SigV4), no API key: execute-api:Invoke on
   * `/iam/tasks` and below, on this stage, every method; nothing else (subscriptions stay admin-only).
   */
  grantRegister(grantee: IGrantable): Grant {
    const stage = this.api.deploymentStage.stageName;
    return Grant.addToPrincipal({
      grantee,
      actions: ["execute-api:Invoke"],
      resourceArns: [
        this.api.arnForExecuteApi("*", "/iam/tasks", stage),
        this.api.arnForExecuteApi("*", "/iam/tasks/*", stage),
      ],
    });
  }
}
