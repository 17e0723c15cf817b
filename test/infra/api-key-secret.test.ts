import { RemovalPolicy } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { CfnSecret } from "aws-cdk-lib/aws-secretsmanager";
import { expect, test } from "vitest";
import { UNSET_SECRET_VALUE } from "../../functions/adapters/secret-placeholder.js";
import { ApiKeySecret } from "../../infra/constructs/api-key-secret.js";
import { bareStack } from "../support/cdk.js";

test("a new secret holds the placeholder the poller recognises (never a real key), with the stage's removal policy", () => {
  const stack = bareStack();
  new ApiKeySecret(stack, "Key", { removalPolicy: RemovalPolicy.RETAIN });
  const t = Template.fromStack(stack);
  t.hasResourceProperties("AWS::SecretsManager::Secret", { SecretString: UNSET_SECRET_VALUE });
  t.hasResource("AWS::SecretsManager::Secret", { DeletionPolicy: "Retain" });
});

test("an existing secret is imported by name: nothing is created", () => {
  const stack = bareStack();
  const s = new ApiKeySecret(stack, "Key", {
    existingSecretName: "team/twelvelabs",
    removalPolicy: RemovalPolicy.DESTROY,
  });
  // An empty template fails CloudFormation validation (cdk.json's validateAgainstDefaultRules): read the tree.
  expect(stack.node.findAll().filter((c) => c instanceof CfnSecret)).toHaveLength(0);
  expect(stack.resolve(s.secret.secretName)).toBe("team/twelvelabs");
});
