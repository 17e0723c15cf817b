import { TwelveLabsAuthError } from "../core/twelvelabs-errors.js";
import { UNSET_SECRET_VALUE } from "./secret-placeholder.js";
import { SecretUnreadableError, secretReader } from "./secret-reader.js";

/** Reads the TwelveLabs key; `fresh` bypasses any cache (after TwelveLabs rejected the cached key). */
export type ApiKeyProvider = (opts?: { fresh?: boolean }) => Promise<string>;

/**
 * The TwelveLabs API key, read from Secrets Manager through Powertools (cached 5 minutes), or given
 * directly in local mode. An unset or unreadable secret is an authentication failure: the run stops
 * loudly and the alarm on authentication failures fires. A fresh read (a rotated key) skips the cache.
 */
export function apiKeyProvider(opts: { secretName?: string; apiKey?: string }): ApiKeyProvider {
  if (opts.apiKey) return secretReader({ value: opts.apiKey });
  const name = opts.secretName as string;
  const read = secretReader({ name }, 300);
  return async (fresh) => {
    let raw = "";
    try {
      raw = await read(fresh);
    } catch (err) {
      if (!(err instanceof SecretUnreadableError)) throw err;
      // Unreadable secret (missing, no permission, KMS): as fatal for the run as a rejected key.
      if (err.reason !== "empty")
        throw new TwelveLabsAuthError(`Cannot read the TwelveLabs API key secret "${name}" (${err.reason})`);
    }
    const value = raw.trim();
    if (!value || value === UNSET_SECRET_VALUE) {
      throw new TwelveLabsAuthError(
        `The TwelveLabs API key secret "${name}" has no key yet: put your key in it`,
      );
    }
    return value;
  };
}
