import { RemovalPolicy } from "aws-cdk-lib";
import {
  AttributeType,
  Billing,
  ProjectionType,
  StreamViewType,
  TableEncryptionV2,
  TableV2,
} from "aws-cdk-lib/aws-dynamodb";
import { Construct } from "constructs";
import { TASK_TABLE } from "../../functions/core/shared-names.js";

export interface TaskTableProps {
  removalPolicy: RemovalPolicy;
  pointInTimeRecovery: boolean;
}

/** The task table, from the one definition in functions/adapters/task-table.ts. */
export class TaskTable extends Construct {
  readonly table: TableV2;

  constructor(scope: Construct, id: string, props: TaskTableProps) {
    super(scope, id);
    const { partitionKey, dueIndex, outboxIndex, listIndex, tagIndex, ttlAttribute } = TASK_TABLE;
    this.table = new TableV2(this, "Table", {
      partitionKey: { name: partitionKey, type: AttributeType.STRING },
      billing: Billing.onDemand(),
      encryption: TableEncryptionV2.awsManagedKey(),
      timeToLiveAttribute: ttlAttribute,
      // Keys of new items wake an idle poller (see the Poller construct): no item data leaves the table.
      dynamoStream: StreamViewType.KEYS_ONLY,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: props.pointInTimeRecovery },
      deletionProtection: props.removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy: props.removalPolicy,
      globalSecondaryIndexes: [dueIndex, outboxIndex, listIndex, tagIndex].map((ix) => ({
        indexName: ix.name,
        partitionKey: { name: ix.partitionKey, type: AttributeType.STRING },
        sortKey: { name: ix.sortKey, type: AttributeType.NUMBER },
        // The list and tag indexes hold keys only: checks never write to them.
        projectionType: ix === listIndex || ix === tagIndex ? ProjectionType.KEYS_ONLY : ProjectionType.ALL,
      })),
    });
  }
}
