/**
 * Domain errors. The API edge maps each class to an HTTP status in one place (instanceof), never
 * by message text. Messages are safe to show to the caller.
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;
}

export class InvalidCursorError extends DomainError {
  readonly code = "invalid_cursor";
  override readonly name = "InvalidCursorError";
}

export class NotFoundError extends DomainError {
  readonly code = "not_found";
  override readonly name = "NotFoundError";
}

/** A task cannot be deleted while an event of it awaits publishing (the poller publishes it within seconds). */
export class EventsPendingError extends DomainError {
  readonly code = "events_pending";
  override readonly name = "EventsPendingError";
}

export class ConflictError extends DomainError {
  readonly code = "conflict";
  override readonly name = "ConflictError";
}

/** Archiving asked for a job that writes its result to the user's storage itself (a Bedrock invocation). */
export class ArchiveNotApplicableError extends DomainError {
  readonly code = "archive_not_applicable";
  override readonly name = "ArchiveNotApplicableError";
}
