import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";
import type { HeaderSealer } from "../core/ports.js";

/**
 * Seals a task's `callbackHeaders` (AES-256-GCM) before they are stored, so the table, its
 * backups and its stream never hold a receiver's token in clear. The key is derived (HKDF) from a
 * secret kept in Secrets Manager; the task's id and registration time are authenticated with the
 * ciphertext, so a sealed value copied onto another task does not open.
 *
 * The secret holds one key (a plain string), or during a rotation
 * `{"current": "<key>", "previous": "<key>"}`: new values are sealed with the current key and name
 * its key id (`v2.<kid>.<payload>`); values sealed with the previous key (or before key ids, `v1.`)
 * still open. A value whose key is in neither fails with HeaderKeyUnavailableError.
 */
export type HeaderBox = HeaderSealer;

/** The header key named by a sealed value is not in the secret (replaced, or rotated out too early). */
export class HeaderKeyUnavailableError extends Error {
  override readonly name = "HeaderKeyUnavailableError";
}

/**
 * A box that reads its key through `readKey` (cached by the reader) and derives it once per key
 * value, not once per registration or delivery.
 */
export function headerBoxFrom(readKey: () => Promise<string>): () => Promise<HeaderBox> {
  let last: { material: string; box: HeaderBox } | undefined;
  return async () => {
    const material = await readKey();
    if (last?.material !== material) last = { material, box: headerBox(material) };
    return last.box;
  };
}

interface Key {
  id: string;
  key: Buffer;
}

/** A key's id: the first 8 hex digits of its material's SHA-256 (names it, reveals nothing). */
export function headerKeyId(material: string): string {
  return createHash("sha256").update(material.trim(), "utf8").digest("hex").slice(0, 8);
}

function deriveKey(material: string): Key {
  if (material.trim().length < 16)
    throw new Error("the callback header key is too short (16 characters at least)");
  const key = Buffer.from(
    hkdfSync("sha256", material.trim(), "twelvelabs-task-notifier", "callback-headers", 32),
  );
  return { id: headerKeyId(material), key };
}

/** The keys in the secret: the current one, and the previous one during a rotation. */
export function parseHeaderKeys(secret: string): { current: Key; previous?: Key } {
  const text = secret.trim();
  if (!text.startsWith("{")) return { current: deriveKey(text) };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(
      'the callback header key secret is not valid JSON: use a plain key or {"current": "...", "previous": "..."}',
    );
  }
  const { current, previous } = (parsed ?? {}) as { current?: unknown; previous?: unknown };
  if (typeof current !== "string")
    throw new Error('the callback header key secret needs "current" (a string of 16 characters or more)');
  if (previous !== undefined && typeof previous !== "string")
    throw new Error('"previous" in the callback header key secret must be a string');
  return { current: deriveKey(current), ...(previous ? { previous: deriveKey(previous) } : {}) };
}

export function headerBox(secret: string): HeaderBox {
  const keys = parseHeaderKeys(secret);
  const byId = new Map([keys.current, keys.previous].filter((k): k is Key => !!k).map((k) => [k.id, k]));
  return {
    seal(headers, boundTo) {
      const iv = randomBytes(12);
      const c = createCipheriv("aes-256-gcm", keys.current.key, iv);
      c.setAAD(Buffer.from(boundTo, "utf8"));
      const data = Buffer.concat([c.update(JSON.stringify(headers), "utf8"), c.final()]);
      return `v2.${keys.current.id}.${Buffer.concat([iv, c.getAuthTag(), data]).toString("base64url")}`;
    },
    open(sealed, boundTo) {
      const parts = sealed.split(".");
      // v1 (before key ids): whichever of the keys opens it.
      const candidates =
        parts[0] === "v1" && parts.length === 2
          ? { payload: parts[1] as string, keys: [...byId.values()] }
          : parts[0] === "v2" && parts.length === 3
            ? {
                payload: parts[2] as string,
                keys: byId.has(parts[1] as string) ? [byId.get(parts[1] as string) as Key] : [],
              }
            : undefined;
      if (!candidates) throw new Error("sealed callback headers of an unknown format");
      if (candidates.keys.length === 0)
        throw new HeaderKeyUnavailableError(
          `the callback headers were sealed with header key ${parts[1]}, which is neither the current (${keys.current.id}) nor the previous key`,
        );
      for (const k of candidates.keys) {
        try {
          return openWith(k.key, candidates.payload, boundTo);
        } catch {
          // the next key, if any
        }
      }
      throw new HeaderKeyUnavailableError(
        "the callback headers do not open with the current or the previous header key",
      );
    },
  };
}

function openWith(key: Buffer, payload: string, boundTo: string): Record<string, string> {
  const raw = Buffer.from(payload, "base64url");
  const d = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
  d.setAAD(Buffer.from(boundTo, "utf8"));
  d.setAuthTag(raw.subarray(12, 28));
  const text = Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString("utf8");
  return JSON.parse(text) as Record<string, string>;
}
