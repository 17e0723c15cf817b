import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { ACCOUNT_STACK_ID, TaskNotifierAccountStack } from "./account-stack.js";
import { resolveStage } from "./config.js";
import { TaskNotifierStack } from "./task-notifier-stack.js";

// The only place that reads the stage, the account and the region.
const app = new App();
let config: ReturnType<typeof resolveStage>;
try {
  config = resolveStage(app.node.tryGetContext("stage"));
} catch (err) {
  // A wrong -c stage=... is the user's typo, not a crash: the message alone, no stack trace.
  console.error((err as Error).message);
  process.exit(1);
}
const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
// Two stacks: the stage's, and the account-level one every stage in the region shares (deploy it
// once: README "Deploying to AWS"). Commands name the stack they mean.
new TaskNotifierAccountStack(app, ACCOUNT_STACK_ID, {
  env,
  description:
    "TwelveLabs task notifier: account-level settings shared by every stage (API Gateway logging role)",
});
new TaskNotifierStack(app, `TaskNotifier-${config.stage}`, {
  config,
  env,
  description: `TwelveLabs task notifier (${config.stage}): watches TwelveLabs tasks and notifies when they finish`,
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
