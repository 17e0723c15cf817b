/**
 * Tags copied into SNS message attributes (`tag.<key>`) so subscriptions can filter on them. SNS
 * takes at most 10 message attributes a message and the publisher sets up to 5 (eventType,
 * status, kind, stage, and `webhook` for tasks with a callback): more than 5 tag keys would make
 * publishes fail, forever.
 */
export const MAX_TAG_ATTRIBUTES = 5;

/**
 * What a tag key may look like (registration and the stage's tag attributes alike): one that makes a
 * valid SNS message attribute name `tag.<key>` (A-Z, a-z, 0-9, `_`, `-` and `.`; no `..`, no
 * trailing `.`), so any tag can become a filterable attribute.
 */
export const TAG_KEY_PATTERN = /^[A-Za-z](?:[A-Za-z0-9_-]|\.(?!\.|$)){0,63}$/;

/** How the rule reads in messages. */
export const TAG_KEY_RULE =
  "must start with a letter and be 1-64 characters of A-Z, a-z, 0-9, _, - or . (no .. and no trailing .)";

/** Why a list of tag attribute keys cannot be used, or undefined when it can. */
export function tagAttributesProblem(keys: readonly string[]): string | undefined {
  if (keys.length > MAX_TAG_ATTRIBUTES)
    return `at most ${MAX_TAG_ATTRIBUTES} tag attributes (SNS allows 10 message attributes and 5 are the notifier's own); got ${keys.length}: ${keys.join(", ")}`;
  const bad = keys.find((k) => !TAG_KEY_PATTERN.test(k));
  if (bad !== undefined) return `tag attribute "${bad.slice(0, 64)}" ${TAG_KEY_RULE}`;
  if (new Set(keys).size !== keys.length) return "tag attributes must not repeat";
  return undefined;
}
