/*
 * Amazon Bedrock async invocations are addressed by ARN:
 * `arn:<partition>:bedrock:<region>:<account>:async-invoke/<id>`. The id (its last segment) is the
 * notifier's task id; the region picks the client that checks it.
 */

export interface InvocationArn {
  arn: string;
  partition: string;
  region: string;
  account: string;
  id: string;
}

const ARN =
  /^arn:(aws|aws-cn|aws-us-gov):bedrock:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):async-invoke\/([A-Za-z0-9]{1,128})$/;

/** The parts of an invocation ARN, or undefined when it is not one. */
export function parseInvocationArn(arn: string): InvocationArn | undefined {
  const m = ARN.exec(arn);
  if (!m) return undefined;
  return {
    arn,
    partition: m[1] as string,
    region: m[2] as string,
    account: m[3] as string,
    id: m[4] as string,
  };
}

/** The region of an invocation ARN (undefined when it is not one). */
export function regionOfArn(arn: string | undefined): string | undefined {
  return arn === undefined ? undefined : parseInvocationArn(arn)?.region;
}

/** A region name as AWS spells them (`us-east-1`, `ap-southeast-2`, `us-gov-west-1`). */
export const REGION_PATTERN = /^[a-z]{2}(?:-[a-z]+)+-\d$/;

/** Whether a model ARN or id is one of the given (substring) patterns, e.g. `twelvelabs.`. */
export function modelMatches(modelArn: string | undefined, patterns: readonly string[]): boolean {
  if (modelArn === undefined) return false;
  return patterns.some((p) => modelArn.includes(p));
}
