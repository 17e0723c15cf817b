import type { Readable } from "node:stream";
import { Agent, request } from "undici";

/** A TwelveLabs result, its body not read yet (a stream: a 4-hour video's embeddings are tens of MB). */
export interface FetchedResult {
  body: Readable;
  contentType: string;
}

/** TwelveLabs did not hand the result over; `status` when it answered. */
export class ResultFetchError extends Error {
  override readonly name = "ResultFetchError";
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/**
 * GETs a task's result link (the `links.result` of its event) with the API key, streamed. Never
 * follows a redirect; a non-200 answer is read at most 4 KiB for its message and thrown away.
 */
export function resultFetcher(apiKey: () => Promise<string>, opts: { timeoutMs?: number } = {}) {
  const dispatcher = new Agent({
    connect: { timeout: 10_000 },
    headersTimeout: opts.timeoutMs ?? 30_000,
    // Between chunks of the body, not the whole download.
    bodyTimeout: opts.timeoutMs ?? 30_000,
  });
  return async (url: string): Promise<FetchedResult> => {
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(url, { method: "GET", headers: { "x-api-key": await apiKey() }, dispatcher });
    } catch (err) {
      throw new ResultFetchError(`TwelveLabs could not be reached: ${(err as Error).name}`);
    }
    if (res.statusCode !== 200) {
      let text = "";
      for await (const chunk of res.body) {
        if (text.length < 4096) text += String(chunk).slice(0, 4096 - text.length);
      }
      throw new ResultFetchError(
        `TwelveLabs answered ${res.statusCode}: ${text.slice(0, 200)}`,
        res.statusCode,
      );
    }
    const type = res.headers["content-type"];
    return { body: res.body, contentType: (Array.isArray(type) ? type[0] : type) ?? "application/json" };
  };
}
