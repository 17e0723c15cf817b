import { getSecret } from "@aws-lambda-powertools/parameters/secrets";
import { TwelveLabsAuthError } from "../core/twelvelabs-errors.js";
import { UNSET_SECRET_VALUE } from "./secret-placeholder.js";

/** Reads the TwelveLabs key; `fresh` bypasses any cache (after TwelveLabs rejected the cached key). */
export type ApiKeyProvider = (opts?: { fresh?: boolean }) => Promise<string>;

/**
 * The TwelveLabs API key, read from Secrets Manager through Powertools (cached 5 minutes), or given
 * directly in local mode. An unset or unreadable secret is an authentication failure: the run stops
 * loudly and the alarm on authentication failures fires. A fresh read (a rotated key) skips the cache.
 */
export function apiKeyProvider(opts: { secretName?: string; apiKey?: string }): ApiKeyProvider {
  if (opts.apiKey) {
    const key = opts.apiKey;
    return async () => key;
  }
  const name = opts.secretName as string;
  return async (read) => {
    let raw: unknown;
    try {
      raw = await getSecret<string>(name, { maxAge: 300, forceFetch: read?.fresh === true });
    } catch (err) {
      // Unreadable secret (missing, no permission, KMS): as fatal for the run as a rejected key.
      const why = (err as { cause?: { name?: string }; name?: string }).cause?.name ?? (err as Error).name;
      throw new TwelveLabsAuthError(`Cannot read the TwelveLabs API key secret "${name}" (${why})`);
    }
    const value = typeof raw === "string" ? raw.trim() : "";
    if (!value || value === UNSET_SECRET_VALUE) {
      throw new TwelveLabsAuthError(
        `The TwelveLabs API key secret "${name}" has no key yet: put your key in it`,
      );
    }
    return value;
  };
}
