import { REGION_PATTERN } from "../core/bedrock-arn.js";
import { DISCOVERABLE_KINDS, unwatchableKinds } from "../core/discovery.js";
import { tagAttributesProblem } from "../core/tag-attributes.js";
import type { TaskKind } from "../core/task-kinds.js";

/**
 * Reading configuration from the environment, once, at cold start. A missing or malformed value
 * fails the init with a message naming the variable (never its value: it may be a secret).
 */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

export type Env = Record<string, string | undefined>;

export function requireString(env: Env, name: string): string {
  const v = env[name]?.trim();
  if (!v) throw new ConfigError(`environment variable ${name} is required`);
  return v;
}

export function optionalString(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

export function intInRange(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!/^-?\d+$/.test(raw)) throw new ConfigError(`environment variable ${name} must be an integer`);
  const n = Number(raw);
  if (n < min || n > max)
    throw new ConfigError(`environment variable ${name} must be between ${min} and ${max}`);
  return n;
}

export function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return fallback;
  if (raw === "true" || raw === "1") return true;
  if (raw === "false" || raw === "0") return false;
  throw new ConfigError(`environment variable ${name} must be true or false`);
}

export function httpUrl(env: Env, name: string, fallback: string): string {
  const raw = env[name]?.trim() || fallback;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`environment variable ${name} must be a URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new ConfigError(`environment variable ${name} must be http(s)`);
  return raw.replace(/\/+$/, "");
}

/** The stage's tag attribute keys (TAG_ATTRIBUTES), refused at start when SNS could not carry them. */
export function tagAttributes(env: Env): string[] {
  const keys = list(env, "TAG_ATTRIBUTES");
  const problem = tagAttributesProblem(keys);
  if (problem) throw new ConfigError(`environment variable TAG_ATTRIBUTES: ${problem}`);
  return keys;
}

/** DEFAULT_DEADLINE_SECONDS: the deadline of a task registered (or discovered) without one. */
export function defaultDeadlineSeconds(env: Env): number {
  return intInRange(env, "DEFAULT_DEADLINE_SECONDS", 24 * 3600, 10, 30 * 24 * 3600);
}

export function list(env: Env, name: string): string[] {
  return (env[name] ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * A secret given by its Secrets Manager name (`nameVar`, as deployed) or by value (`valueVar`,
 * local mode); `required` makes having neither a ConfigError that names both.
 */
export function secretSource(
  env: Env,
  nameVar: string,
  valueVar: string,
  required: boolean,
  why = "",
): { name?: string; value?: string } {
  const name = optionalString(env, nameVar);
  const value = optionalString(env, valueVar);
  if (required && !name && !value)
    throw new ConfigError(
      `environment variable ${nameVar} (or ${valueVar} for local mode) is required${why}`,
    );
  return { ...(name ? { name } : {}), ...(value ? { value } : {}) };
}

/**
 * BEDROCK_REGIONS: the regions whose Bedrock async invocations this stage may watch (default: its
 * own, AWS_REGION); `BEDROCK_REGIONS=none` turns the `bedrock` kind off.
 */
export function bedrockRegions(env: Env): string[] {
  const given = list(env, "BEDROCK_REGIONS");
  if (given.length === 1 && given[0] === "none") return [];
  const bad = given.find((r) => !REGION_PATTERN.test(r));
  if (bad !== undefined)
    throw new ConfigError(`environment variable BEDROCK_REGIONS: "${bad.slice(0, 30)}" is not a region name`);
  if (given.length > 0) return [...new Set(given)];
  const home = optionalString(env, "AWS_REGION");
  return home && REGION_PATTERN.test(home) ? [home] : [];
}

/** WATCH_ACCOUNT_KINDS: kinds whose new tasks are discovered without registering (empty: off). */
export function watchKinds(env: Env): TaskKind[] {
  const kinds = list(env, "WATCH_ACCOUNT_KINDS");
  const [bad] = unwatchableKinds(kinds);
  if (bad !== undefined)
    throw new ConfigError(
      `environment variable WATCH_ACCOUNT_KINDS: "${bad.slice(0, 20)}" cannot be watched (watchable: ${DISCOVERABLE_KINDS.join(", ")})`,
    );
  return [...new Set(kinds)] as TaskKind[];
}
