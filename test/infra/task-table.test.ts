import { RemovalPolicy } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { describe, expect, test } from "vitest";
import { TASK_TABLE } from "../../functions/adapters/task-table.js";
import { TaskTable } from "../../infra/constructs/task-table.js";
import { bareStack } from "../support/cdk.js";

describe("TaskTable", () => {
  test("key schema, both sparse GSIs and TTL come from the shared definition", () => {
    const stack = bareStack();
    new TaskTable(stack, "Tasks", { removalPolicy: RemovalPolicy.DESTROY, pointInTimeRecovery: false });
    const t = Template.fromStack(stack);
    t.hasResourceProperties("AWS::DynamoDB::GlobalTable", {
      KeySchema: [{ AttributeName: TASK_TABLE.partitionKey, KeyType: "HASH" }],
      BillingMode: "PAY_PER_REQUEST",
      TimeToLiveSpecification: { AttributeName: TASK_TABLE.ttlAttribute, Enabled: true },
      SSESpecification: { SSEEnabled: true },
      GlobalSecondaryIndexes: Match.arrayWith(
        [TASK_TABLE.dueIndex, TASK_TABLE.outboxIndex].map((ix) =>
          Match.objectLike({
            IndexName: ix.name,
            KeySchema: [
              { AttributeName: ix.partitionKey, KeyType: "HASH" },
              { AttributeName: ix.sortKey, KeyType: "RANGE" },
            ],
            Projection: { ProjectionType: "ALL" },
          }),
        ),
      ),
    });
  });

  test.each([
    [RemovalPolicy.RETAIN, true, "Retain"],
    [RemovalPolicy.DESTROY, false, "Delete"],
  ])("removal policy %s with point-in-time recovery %s", (policy, pitr, expected) => {
    const stack = bareStack();
    new TaskTable(stack, "Tasks", { removalPolicy: policy, pointInTimeRecovery: pitr });
    const t = Template.fromStack(stack);
    const tables = t.findResources("AWS::DynamoDB::GlobalTable");
    const [table] = Object.values(tables) as Array<{
      DeletionPolicy: string;
      Properties: { Replicas: Array<Record<string, unknown>> };
    }>;
    expect(table?.DeletionPolicy).toBe(expected);
    expect(table?.Properties.Replicas[0]).toMatchObject({
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: pitr },
      DeletionProtectionEnabled: policy === RemovalPolicy.RETAIN,
    });
  });
});
