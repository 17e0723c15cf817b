import * as v from "valibot";
import { parseInvocationArn } from "../core/bedrock-arn.js";
import type { TaskSnapshot } from "../core/snapshot.js";
import { cleanText } from "../core/text-rules.js";
import { clean, fail, snapshotOf } from "./snapshot-builder.js";

/*
 * Bedrock's async invocations as the AWS SDK hands them over (GetAsyncInvokeResponse,
 * AsyncInvokeSummary of @aws-sdk/client-bedrock-runtime): validated like TwelveLabs' bodies, since
 * the SDK does not check that a field is present or a status is one it knows.
 */

const date = v.nullish(v.union([v.date(), v.pipe(v.string(), v.isoTimestamp())]));
const optString = v.nullish(v.pipe(v.string(), v.transform(cleanText)));

const asyncInvoke = v.looseObject({
  invocationArn: v.pipe(
    v.string(),
    v.check((s) => parseInvocationArn(s) !== undefined, "not an async-invoke ARN"),
  ),
  modelArn: optString,
  status: v.string(),
  failureMessage: optString,
  submitTime: date,
  lastModifiedTime: date,
  endTime: date,
  outputDataConfig: v.nullish(
    v.looseObject({ s3OutputDataConfig: v.nullish(v.looseObject({ s3Uri: optString })) }),
  ),
});

const isoOf = (d: Date | string | null | undefined) =>
  d === null || d === undefined ? undefined : new Date(d).toISOString();

/** One async invocation (its own status call, or an item of the list). */
export function parseAsyncInvoke(raw: unknown): TaskSnapshot {
  const r = v.safeParse(asyncInvoke, raw);
  if (!r.success) fail("async invocation", r.issues, "Bedrock");
  const o = r.output;
  const arn = parseInvocationArn(o.invocationArn);
  if (!arn) fail("async invocation", undefined, "Bedrock");
  const modelArn = o.modelArn ?? undefined;
  return snapshotOf("bedrock", arn.id, o.status, {
    // The model id: the last segment of its ARN (`twelvelabs.marengo-embed-2-7-v1:0`).
    modelName: modelArn?.split("/").at(-1),
    createdAt: isoOf(o.submitTime),
    updatedAt: isoOf(o.endTime ?? o.lastModifiedTime),
    errorMessage: o.failureMessage ?? undefined,
    invocationArn: o.invocationArn,
    metadata: clean({ modelArn, outputUri: o.outputDataConfig?.s3OutputDataConfig?.s3Uri ?? undefined }),
  });
}
