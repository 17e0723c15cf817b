import { App } from "aws-cdk-lib";
import { EmbedPipelineStack } from "./embed-pipeline-stack.js";

// npx cdk deploy -c notifierRestApiId=<id> -c notifierKeySecretName=<name> -c twelvelabsKeySecretName=<name>
const app = new App();
const need = (name: string): string => {
  const value = app.node.tryGetContext(name);
  if (typeof value !== "string" || value === "")
    throw new Error(`set -c ${name}=<value> (see examples/step-functions/README.md)`);
  return value;
};
new EmbedPipelineStack(app, "TwelveLabsEmbedPipeline", {
  notifierRestApiId: need("notifierRestApiId"),
  notifierKeySecretName: need("notifierKeySecretName"),
  twelvelabsKeySecretName: need("twelvelabsKeySecretName"),
});
