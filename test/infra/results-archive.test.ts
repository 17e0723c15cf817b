import { App } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { expect, test } from "vitest";
import { TaskNotifierStack } from "../../infra/task-notifier-stack.js";
import { appContext, stageConfig } from "../support/cdk.js";

function synth(stage: "dev" | "prod", overrides: Parameters<typeof stageConfig>[1] = {}) {
  const app = new App({ context: appContext({ "aws:cdk:bundling-stacks": [] }) });
  return Template.fromStack(
    new TaskNotifierStack(app, `TaskNotifier-${stage}`, { config: stageConfig(stage, overrides) }),
  );
}

type Statement = { Action: string | string[]; Resource: unknown };
function statementsOf(t: Template, roleMatch: string): Statement[] {
  return Object.entries(t.findResources("AWS::IAM::Policy"))
    .filter(([id]) => id.startsWith(roleMatch))
    .flatMap(
      ([, p]) =>
        (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument
          .Statement,
    );
}
const s3Actions = (st: Statement[]) =>
  st
    .flatMap((s) => [s.Action].flat())
    .filter((a) => a.startsWith("s3:"))
    .sort();

test("the results bucket: SSE-KMS with the stage key, TLS only, no public access, kept, a lifecycle per stage", () => {
  const dev = synth("dev");
  dev.hasResourceProperties("AWS::S3::Bucket", {
    BucketEncryption: {
      ServerSideEncryptionConfiguration: [
        Match.objectLike({
          ServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: Match.anyValue() },
          BucketKeyEnabled: true,
        }),
      ],
    },
    PublicAccessBlockConfiguration: {
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    },
    LifecycleConfiguration: {
      Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: 7, Status: "Enabled" })]),
    },
  });
  dev.hasResource("AWS::S3::Bucket", { DeletionPolicy: "Retain" });
  dev.hasResourceProperties("AWS::S3::BucketPolicy", {
    PolicyDocument: {
      Statement: Match.arrayWith([
        Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
      ]),
    },
  });
  synth("prod").hasResourceProperties("AWS::S3::Bucket", {
    LifecycleConfiguration: {
      Rules: Match.arrayWith([
        Match.objectLike({ Transitions: [{ StorageClass: "INTELLIGENT_TIERING", TransitionInDays: 0 }] }),
      ]),
    },
  });
});

test("the archiver may only write its stage's prefix; the API may only read it (to presign); the poller only queues jobs", () => {
  const t = synth("dev");
  const archiver = statementsOf(t, "ResultsFunction");
  expect(s3Actions(archiver)).toEqual(["s3:AbortMultipartUpload", "s3:PutObject"]);
  expect(
    JSON.stringify(archiver.find((s) => [s.Action].flat().includes("s3:PutObject"))?.Resource),
  ).toContain('"/dev/*"');
  const apiStatements = statementsOf(t, "ApiFunction");
  expect(s3Actions(apiStatements)).toEqual(["s3:GetObject"]);
  expect(s3Actions(statementsOf(t, "PollerFunction"))).toEqual([]);
  const fns = Object.values(t.findResources("AWS::Lambda::Function")) as Array<{
    Properties: { Environment?: { Variables: Record<string, unknown> } };
  }>;
  const env = (key: string) =>
    fns.map((f) => f.Properties.Environment?.Variables ?? {}).find((v) => key in v);
  expect(env("ARCHIVE_QUEUE_URL")).toBeDefined();
  expect(env("ADMIN_API_KEY_ID")).toMatchObject({
    ARCHIVE_DEFAULT: "false",
    RESULTS_BUCKET: expect.anything(),
  });
});

test("a stage may name its own bucket instead (no bucket created), and archive by default", () => {
  const t = synth("dev", { archive: { default: true, bucketName: "my-results" } });
  t.resourceCountIs("AWS::S3::Bucket", 0);
  const fns = Object.values(t.findResources("AWS::Lambda::Function")) as Array<{
    Properties: { Environment?: { Variables: Record<string, unknown> } };
  }>;
  const api = fns.map((f) => f.Properties.Environment?.Variables ?? {}).find((v) => "ADMIN_API_KEY_ID" in v);
  expect(api).toMatchObject({ ARCHIVE_DEFAULT: "true", RESULTS_BUCKET: "my-results" });
});
