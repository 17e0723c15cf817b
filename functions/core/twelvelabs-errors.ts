/**
 * Errors the TwelveLabs port raises. Callers act on the class (instanceof), never on message text.
 * Messages never carry the API key or a response body verbatim.
 */
export abstract class TwelveLabsError extends Error {
  abstract readonly code: string;
}

/** 401/403 or `api_key_invalid`: every further call will fail the same way, so a run must stop. */
export class TwelveLabsAuthError extends TwelveLabsError {
  readonly code = "twelvelabs_auth";
  override readonly name = "TwelveLabsAuthError";
}

/** 404, or 400 `resource_not_exist`: TwelveLabs denies the id. */
export class TwelveLabsNotFoundError extends TwelveLabsError {
  readonly code = "twelvelabs_not_found";
  override readonly name = "TwelveLabsNotFoundError";
}

/**
 * 400 `parameter_invalid` on a task's own status call: TwelveLabs rejects the id itself as
 * malformed. It names the task and says it cannot exist, so it ends the task at once.
 */
export class TwelveLabsIdRejectedError extends TwelveLabsError {
  readonly code = "twelvelabs_id_rejected";
  override readonly name = "TwelveLabsIdRejectedError";
}

/** 429 whose wait is longer than the client may sleep; `retryAfterMs` says when to come back. */
export class TwelveLabsRateLimitedError extends TwelveLabsError {
  readonly code = "twelvelabs_rate_limited";
  override readonly name = "TwelveLabsRateLimitedError";
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}

/** 5xx, timeouts, resets, an open circuit: worth retrying later. */
export class TwelveLabsTransientError extends TwelveLabsError {
  readonly code = "twelvelabs_transient";
  override readonly name = "TwelveLabsTransientError";
}

/** A body that does not match the documented shape: never turned into a guessed status. */
export class TwelveLabsInvalidResponseError extends TwelveLabsError {
  readonly code = "twelvelabs_invalid_response";
  override readonly name = "TwelveLabsInvalidResponseError";
}

/** Any other 4xx the API answers (bad parameters and the like): a bug on our side, not retried. */
export class TwelveLabsRequestError extends TwelveLabsError {
  readonly code = "twelvelabs_request_rejected";
  override readonly name = "TwelveLabsRequestError";
  constructor(
    message: string,
    readonly httpStatus: number,
  ) {
    super(message);
  }
}
