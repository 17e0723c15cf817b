import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import type { HeaderSealer } from "../core/ports.js";

/**
 * Seals a task's `callbackHeaders` (AES-256-GCM) before they are stored, so the table, its
 * backups and its stream never hold a receiver's token in clear. The key is derived (HKDF) from a
 * secret kept in Secrets Manager; the task's id and registration time are authenticated with the
 * ciphertext, so a sealed value copied onto another task does not open.
 */
export type HeaderBox = HeaderSealer;

const VERSION = "v1";

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

export function headerBox(keyMaterial: string): HeaderBox {
  if (keyMaterial.trim().length < 16) throw new Error("the callback header key is too short");
  const key = Buffer.from(
    hkdfSync("sha256", keyMaterial.trim(), "twelvelabs-task-notifier", "callback-headers", 32),
  );
  return {
    seal(headers, boundTo) {
      const iv = randomBytes(12);
      const c = createCipheriv("aes-256-gcm", key, iv);
      c.setAAD(Buffer.from(boundTo, "utf8"));
      const data = Buffer.concat([c.update(JSON.stringify(headers), "utf8"), c.final()]);
      return `${VERSION}.${Buffer.concat([iv, c.getAuthTag(), data]).toString("base64url")}`;
    },
    open(sealed, boundTo) {
      const [version, payload] = sealed.split(".", 2);
      if (version !== VERSION || !payload) throw new Error("sealed callback headers of an unknown format");
      const raw = Buffer.from(payload, "base64url");
      const d = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
      d.setAAD(Buffer.from(boundTo, "utf8"));
      d.setAuthTag(raw.subarray(12, 28));
      const text = Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString("utf8");
      return JSON.parse(text) as Record<string, string>;
    },
  };
}
