import * as v from "valibot";
import { HttpError } from "./http.js";

/**
 * Parses with a valibot schema; a failure becomes an HttpError: 400 for the shape (unknown or
 * missing fields, wrong types), 422 for values that break a rule. The message names the field and
 * never repeats the caller's input.
 */
export function parseInput<S extends v.GenericSchema>(
  schema: S,
  input: unknown,
  where: string,
): v.InferOutput<S> {
  const r = v.safeParse(schema, input, { abortEarly: true });
  if (r.success) return r.output;
  const issue = r.issues[0];
  const path = issue.path?.map((p) => String(p.key)).join(".");
  const field = path ? `${where}.${path}` : where;
  const safeField = field.length > 100 ? `${field.slice(0, 100)}…` : field;
  if (issue.kind === "schema") {
    if (issue.type === "strict_object" && issue.input !== undefined && issue.path) {
      // A query string has parameters, a body fields: one code for each, on every route.
      if (where === "query")
        throw new HttpError(400, "unknown_parameter", `unknown query parameter "${path?.slice(0, 64)}"`);
      throw new HttpError(400, "unknown_field", `unknown field "${safeField}"`);
    }
    if (issue.input === undefined && issue.path)
      throw new HttpError(400, "missing_field", `field "${safeField}" is required`);
    if (issue.type === "picklist") throw new HttpError(422, "invalid_value", issue.message);
    throw new HttpError(
      400,
      "invalid_type",
      `field "${safeField}" must be ${article(issue.expected ?? "valid")}`,
    );
  }
  throw new HttpError(422, "invalid_value", issue.message);
}

function article(expected: string): string {
  if (expected === "Object") return "an object";
  if (expected === "Array") return "an array";
  if (/^[a-z]+$/.test(expected)) return `a ${expected}`;
  return "valid";
}
