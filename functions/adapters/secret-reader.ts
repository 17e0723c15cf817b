import { getSecret } from "@aws-lambda-powertools/parameters/secrets";
import { SECRET_CACHE_SECONDS } from "../core/deployment-defaults.js";

/** Reads a secret's value; `fresh` bypasses the cache. */
export type SecretReader = (opts?: { fresh?: boolean }) => Promise<string>;

/**
 * A Secrets Manager secret read through Powertools (cached `maxAgeSeconds`), or a value given
 * directly (local mode). Errors say which secret and why, never its value.
 */
export function secretReader(
  source: { name?: string; value?: string },
  maxAgeSeconds = SECRET_CACHE_SECONDS,
): SecretReader {
  if (source.value !== undefined) {
    const value = source.value;
    return async () => value;
  }
  const name = source.name;
  if (!name) throw new Error("a secret needs a name or a value");
  return async (read) => {
    let raw: unknown;
    try {
      raw = await getSecret<string>(name, { maxAge: maxAgeSeconds, forceFetch: read?.fresh === true });
    } catch (err) {
      const why = (err as { cause?: { name?: string }; name?: string }).cause?.name ?? (err as Error).name;
      throw new SecretUnreadableError(`cannot read the secret "${name}" (${why})`, why);
    }
    if (typeof raw !== "string" || raw.trim() === "")
      throw new SecretUnreadableError(`the secret "${name}" is empty`, "empty");
    return raw;
  };
}

export class SecretUnreadableError extends Error {
  override readonly name = "SecretUnreadableError";
  constructor(
    message: string,
    /** `empty`, or the class of the error that kept it from being read (never the value). */
    readonly reason: string,
  ) {
    super(message);
  }
}
