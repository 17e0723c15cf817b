import { RemovalPolicy, Stack, type StackProps, Validations } from "aws-cdk-lib";
import { CfnAccount } from "aws-cdk-lib/aws-apigateway";
import { ManagedPolicy, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import type { Construct } from "constructs";

/** The account-level stack's id: deployed once per account and region, before the first stage. */
export const ACCOUNT_STACK_ID = "TaskNotifier-account";

/**
 * What one account and region share, kept out of every stage stack: the role API Gateway uses to
 * write execution logs (`AWS::ApiGateway::Account` is one setting per region, so a stage that owned
 * it would overwrite the others' and, when destroyed, stop execution logging for every REST API in
 * the region, prod's included). Both resources are kept when the stack is deleted, and the stack is
 * termination-protected. Skip it when the account already has a CloudWatch role for API Gateway
 * (`aws apigateway get-account` shows `cloudwatchRoleArn`).
 */
export class TaskNotifierAccountStack extends Stack {
  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, { ...props, terminationProtection: true });
    const role = new Role(this, "ApiGatewayCloudWatchRole", {
      assumedBy: new ServicePrincipal("apigateway.amazonaws.com"),
      description: "API Gateway writes REST API execution logs to CloudWatch Logs (every API in this region)",
      managedPolicies: [
        ManagedPolicy.fromAwsManagedPolicyName("service-role/AmazonAPIGatewayPushToCloudWatchLogs"),
      ],
    });
    role.applyRemovalPolicy(RemovalPolicy.RETAIN);
    const account = new CfnAccount(this, "ApiGatewayAccount", { cloudWatchRoleArn: role.roleArn });
    account.applyRemovalPolicy(RemovalPolicy.RETAIN);
    Validations.of(role).acknowledge({
      id: "AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]",
      reason: "The API Gateway account role needs exactly this AWS managed policy to write execution logs.",
    });
  }
}
