import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { parse } from "yaml";

/** TwelveLabs' official OpenAPI file, kept in the repository (spec/twelvelabs/README.md says where from). */
export const OPENAPI_PATH = resolve(
  dirname(fileURLToPath(import.meta.url)),
  "../../spec/twelvelabs/openapi-1.3.yaml",
);

// biome-ignore lint/suspicious/noExplicitAny: the OpenAPI document is arbitrary YAML walked by path.
type Doc = any;

let cached: { doc: Doc; ajv: InstanceType<typeof Ajv2020> } | undefined;

export function openapi(): { doc: Doc; ajv: InstanceType<typeof Ajv2020> } {
  if (cached) return cached;
  const doc = parse(readFileSync(OPENAPI_PATH, "utf8")) as Doc;
  // OpenAPI 3.1 schemas are JSON Schema 2020-12 plus a few annotation keywords.
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  addFormats.default(ajv);
  ajv.addSchema({ ...doc, $id: "openapi.json" });
  cached = { doc, ajv };
  return cached;
}

function pointer(...parts: string[]): string {
  return parts.map((p) => p.replace(/~/g, "~0").replace(/\//g, "~1")).join("/");
}

/** Validates `body` against the 200 (or given) JSON response of `method path` in the OpenAPI file. */
export function validateResponse(method: string, path: string, status: string, body: unknown): string[] {
  const { doc, ajv } = openapi();
  let response = doc.paths[path]?.[method.toLowerCase()]?.responses?.[status];
  if (!response) return [`no response ${status} for ${method} ${path} in the OpenAPI file`];
  let ref = `openapi.json#/${pointer("paths", path, method.toLowerCase(), "responses", status)}`;
  if (response.$ref) {
    ref = `openapi.json${response.$ref}`;
    response = resolveRef(doc, response.$ref);
  }
  if (!response.content?.["application/json"]?.schema)
    return [`no JSON schema for ${method} ${path} ${status}`];
  const validate = ajv.getSchema(`${ref}/content/application~1json/schema`);
  if (!validate) return [`schema not found for ${ref}`];
  if (validate(body)) return [];
  return (validate.errors ?? []).map(
    (e: { instancePath: string; message?: string }) => `${e.instancePath} ${e.message}`,
  );
}

export function resolveRef(doc: Doc, ref: string): Doc {
  return ref
    .replace(/^#\//, "")
    .split("/")
    .reduce((node: Doc, part: string) => node?.[part.replace(/~1/g, "/").replace(/~0/g, "~")], doc);
}

export interface OperationParams {
  path: Set<string>;
  query: Map<string, Doc>;
}

/** The path template of the OpenAPI file that `pathname` (without /v1.3) matches, and its parameters. */
export function findOperation(
  method: string,
  pathname: string,
): { template: string; params: OperationParams } | undefined {
  const { doc } = openapi();
  for (const template of Object.keys(doc.paths)) {
    const re = new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`);
    if (!re.test(pathname)) continue;
    const op = doc.paths[template][method.toLowerCase()];
    if (!op) continue;
    const params: OperationParams = { path: new Set(), query: new Map() };
    for (const raw of [...(doc.paths[template].parameters ?? []), ...(op.parameters ?? [])]) {
      const p = raw.$ref ? resolveRef(doc, raw.$ref) : raw;
      if (p.in === "path") params.path.add(p.name);
      if (p.in === "query") params.query.set(p.name, p.schema);
    }
    return { template, params };
  }
  return undefined;
}
