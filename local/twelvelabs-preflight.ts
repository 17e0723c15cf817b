import { TwelveLabsClient } from "../functions/adapters/twelvelabs-client.js";
import {
  TwelveLabsAuthError,
  TwelveLabsRequestError,
  TwelveLabsTransientError,
} from "../functions/core/twelvelabs-errors.js";

/** One cheap call before starting, so a wrong key or URL is a clear one-line error, not silent retries. */
export async function checkTwelveLabs(baseUrl: string, apiKey: string): Promise<string | undefined> {
  const client = new TwelveLabsClient({
    baseUrl,
    apiKey: async () => apiKey,
    maxAttempts: 1,
    connectTimeoutMs: 3_000,
    headersTimeoutMs: 5_000,
  });
  try {
    await client.listTasks("embed", { status: "processing", page: 1, pageLimit: 1 });
    return undefined;
  } catch (err) {
    if (err instanceof TwelveLabsAuthError)
      return `TwelveLabs rejected the API key (TWELVELABS_API_KEY) at ${baseUrl}`;
    if (err instanceof TwelveLabsTransientError)
      return `cannot reach TwelveLabs at ${baseUrl}: ${err.message}`;
    if (err instanceof TwelveLabsRequestError)
      return `TwelveLabs at ${baseUrl} refused the check call: ${err.message}`;
    return undefined; // an odd body is not a reason to refuse to start
  } finally {
    await client.close();
  }
}
