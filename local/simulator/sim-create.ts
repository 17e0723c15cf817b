import type { TaskKind } from "../../functions/core/task-kinds.js";
import type { SimTask, SimTaskSpec } from "./sim-tasks.js";

/*
 * The create calls of TwelveLabs' API as the official SDK (twelvelabs-js 1.3.4) sends them, so a
 * user's own code runs against the simulator unchanged (`TWELVELABS_BASE_URL=<simulator>/v1.3`): the
 * request checked for the fields TwelveLabs requires, a task created on the kind's default timeline
 * (ready 20 s later), and the SDK's response shape with TwelveLabs' status code.
 */

export interface CreateRoute {
  /** The path under /v1.3. */
  path: string;
  kind: TaskKind;
  form: "multipart" | "json";
  /** A message when the request lacks what TwelveLabs requires. */
  problem(fields: Record<string, unknown>): string | undefined;
  /** TwelveLabs' status code and body for the created task. */
  reply(task: SimTask): { status: number; body: unknown };
  /** What the request says about the task (its index, its video). */
  spec(fields: Record<string, unknown>): Partial<SimTaskSpec>;
}

const has = (f: Record<string, unknown>, ...names: string[]) =>
  names.some((n) => f[n] !== undefined && f[n] !== "");
const str = (v: unknown) => (typeof v === "string" ? v : undefined);
const fileName = (url: unknown) => str(url)?.split("?")[0]?.split("/").at(-1) || undefined;

export const CREATE_ROUTES: readonly CreateRoute[] = [
  {
    path: "/embed/tasks",
    kind: "embed",
    form: "multipart",
    problem: (f) =>
      !has(f, "model_name")
        ? "model_name is required"
        : !has(f, "video_url", "video_file", "audio_url", "audio_file", "image_url", "image_file", "text")
          ? "one of video_url, video_file, audio_url, audio_file is required"
          : undefined,
    reply: (t) => ({ status: 200, body: { _id: t.id } }),
    spec: (f) => ({ modelName: str(f.model_name), filename: fileName(f.video_url) }),
  },
  {
    path: "/embed-v2/tasks",
    kind: "embed-v2",
    form: "json",
    problem: (f) =>
      !has(f, "input_type") || !has(f, "model_name") ? "input_type and model_name are required" : undefined,
    reply: (t) => ({ status: 202, body: { _id: t.id, status: "processing" } }),
    spec: () => ({}),
  },
  {
    path: "/tasks",
    kind: "index",
    form: "multipart",
    problem: (f) =>
      !has(f, "index_id")
        ? "index_id is required"
        : !has(f, "video_url", "video_file")
          ? "video_url or video_file is required"
          : undefined,
    reply: (t) => ({ status: 200, body: { _id: t.id, video_id: t.videoId } }),
    spec: (f) => ({ indexId: str(f.index_id), filename: fileName(f.video_url) }),
  },
  {
    path: "/analyze/tasks",
    kind: "analyze",
    form: "json",
    problem: (f) => (!has(f, "video") ? "video is required" : undefined),
    reply: (t) => ({ status: 202, body: { task_id: t.id, status: "queued" } }),
    spec: () => ({}),
  },
  {
    path: "/assets",
    kind: "asset",
    form: "multipart",
    problem: (f) =>
      !has(f, "method")
        ? "method is required"
        : f.method === "url" && !has(f, "url")
          ? "url is required for method url"
          : undefined,
    reply: (t) => ({
      status: 201,
      body: {
        _id: t.id,
        method: "url",
        status: "processing",
        filename: t.filename,
        file_type: "video/mp4",
        created_at: new Date(t.createdAt).toISOString(),
      },
    }),
    spec: (f) => ({ filename: str(f.filename) ?? fileName(f.url) }),
  },
];

/** The request's fields: a JSON object, or the parts of a multipart form (files by name only). */
export async function requestFields(
  contentType: string | undefined,
  body: Buffer,
  form: CreateRoute["form"],
): Promise<Record<string, unknown> | undefined> {
  try {
    if (form === "json") {
      const parsed = JSON.parse(body.toString("utf8")) as unknown;
      return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : undefined;
    }
    if (!contentType?.startsWith("multipart/form-data")) return undefined;
    // The platform's own multipart reader (fetch's Response), as a server framework would use one.
    const data = await new Response(body, { headers: { "content-type": contentType } }).formData();
    const fields: Record<string, unknown> = {};
    for (const [name, value] of data)
      fields[name] = typeof value === "string" ? value : `<file ${value.name}>`;
    return fields;
  } catch {
    return undefined;
  }
}
