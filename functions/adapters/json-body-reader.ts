import { TwelveLabsInvalidResponseError } from "../core/twelvelabs-errors.js";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJ = 0x7b;
const CLOSE_OBJ = 0x7d;
const OPEN_ARR = 0x5b;
const CLOSE_ARR = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const NULL_BYTES = new Uint8Array([0x6e, 0x75, 0x6c, 0x6c]);

/**
 * Reads a JSON body while buffering at most `maxBytes`. When `skipTopLevelKey` is given, the value
 * of that top-level key is streamed past and replaced by `null` (a ready embed-v2 task carries its
 * embeddings in `data`, which can be many megabytes we never need). Structural characters are
 * ASCII, so the scan works on bytes without decoding.
 */
export async function readJsonBody(
  body: AsyncIterable<Uint8Array>,
  opts: { maxBytes: number; skipTopLevelKey?: string },
): Promise<unknown> {
  const skipKey = opts.skipTopLevelKey ? new TextEncoder().encode(opts.skipTopLevelKey) : undefined;
  const kept: Uint8Array[] = [];
  let keptBytes = 0;
  const keep = (bytes: Uint8Array) => {
    keptBytes += bytes.length;
    if (keptBytes > opts.maxBytes) {
      throw new TwelveLabsInvalidResponseError(`TwelveLabs response body exceeds ${opts.maxBytes} bytes`);
    }
    kept.push(bytes);
  };

  // Scanner state (only used with skipKey).
  let depth = 0;
  let inString = false;
  let escaped = false;
  let expectKey = false;
  let keyBytes: number[] | undefined;
  let lastKeyMatches = false;
  let skipping = false;
  let skipDepth = 0;

  for await (const chunk of body) {
    if (!skipKey) {
      keep(chunk);
      continue;
    }
    let start = 0; // start of the current run of kept bytes in this chunk
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i] as number;
      if (skipping) {
        if (inString) {
          if (escaped) escaped = false;
          else if (b === BACKSLASH) escaped = true;
          else if (b === QUOTE) inString = false;
          continue;
        }
        if (b === QUOTE) inString = true;
        else if (b === OPEN_OBJ || b === OPEN_ARR) skipDepth++;
        else if (b === CLOSE_OBJ || b === CLOSE_ARR) {
          if (skipDepth === 0) {
            skipping = false; // the top-level object closes right after the skipped value
          } else skipDepth--;
        } else if (b === COMMA && skipDepth === 0) skipping = false;
        if (!skipping) {
          start = i; // this delimiter is kept and handled below
          i--;
        }
        continue;
      }
      if (inString) {
        if (keyBytes && !escaped && b !== QUOTE && b !== BACKSLASH) keyBytes.push(b);
        if (escaped) escaped = false;
        else if (b === BACKSLASH) {
          escaped = true;
          keyBytes = undefined; // keys with escapes are never the one we skip
        } else if (b === QUOTE) {
          inString = false;
          if (keyBytes) {
            lastKeyMatches = sameBytes(keyBytes, skipKey);
            keyBytes = undefined;
          }
        }
        continue;
      }
      if (b === QUOTE) {
        inString = true;
        if (depth === 1 && expectKey) {
          keyBytes = [];
          expectKey = false;
        }
      } else if (b === OPEN_OBJ || b === OPEN_ARR) {
        depth++;
        expectKey = depth === 1 && b === OPEN_OBJ;
      } else if (b === CLOSE_OBJ || b === CLOSE_ARR) depth--;
      else if (b === COMMA && depth === 1) expectKey = true;
      else if (b === COLON && depth === 1 && lastKeyMatches) {
        lastKeyMatches = false;
        keep(chunk.subarray(start, i + 1));
        keep(NULL_BYTES);
        skipping = true;
        skipDepth = 0;
        start = i + 1;
      } else if (b === COLON && depth === 1) lastKeyMatches = false;
    }
    if (!skipping && start < chunk.length) keep(chunk.subarray(start));
  }

  const text = Buffer.concat(kept, keptBytes).toString("utf8");
  try {
    return JSON.parse(text);
  } catch {
    throw new TwelveLabsInvalidResponseError("TwelveLabs returned a body that is not valid JSON");
  }
}

function sameBytes(a: number[], b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
