/**
 * Readings of the TwelveLabs specification that it leaves open. The simulator answers under any of
 * them so tests can prove the notifier is right under every one (spec/twelvelabs/API-NOTES.md).
 */
export interface SimModes {
  /** Lists answer from a view up to this many ms old, drawn independently for each call (0: fresh). */
  listStalenessMs: number;
  /**
   * How `GET /tasks` reads several statuses: either form (default); only `status=a,b` (the OpenAPI
   * file's `explode: false`; a repeated parameter then counts only its last value); or only the
   * repeated form (a comma value is then one literal status, which matches nothing).
   */
  statusFilterForm: "both" | "comma" | "repeated";
  /**
   * `GET /tasks?created_at=`: at or after the time (default), or "created on the specified date at
   * or after the given time" read literally: the same UTC day only.
   */
  createdAtReading: "at-or-after" | "same-day";
  /** Creation-window bounds (`started_at`, `ended_at`, `created_at`): inclusive (default) or exclusive. */
  windowBounds: "inclusive" | "exclusive";
}

export const DEFAULT_MODES: SimModes = {
  listStalenessMs: 0,
  statusFilterForm: "both",
  createdAtReading: "at-or-after",
  windowBounds: "inclusive",
};

/** Every strict reading at once: what the poller's tests run under besides the default. */
export const STRICT_MODES: SimModes = {
  listStalenessMs: 3_000,
  statusFilterForm: "comma",
  createdAtReading: "same-day",
  windowBounds: "exclusive",
};

/** Validates a partial set of modes from outside (control endpoint, CLI); throws with a clear message. */
export function parseModes(raw: Record<string, unknown>): Partial<SimModes> {
  const out: Partial<SimModes> = {};
  for (const [k, value] of Object.entries(raw)) {
    switch (k) {
      case "listStalenessMs":
        if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 3600_000)
          throw new Error("listStalenessMs must be a whole number of ms, 0..3600000");
        out.listStalenessMs = value;
        break;
      case "statusFilterForm":
        out.statusFilterForm = oneOf(k, value, ["both", "comma", "repeated"] as const);
        break;
      case "createdAtReading":
        out.createdAtReading = oneOf(k, value, ["at-or-after", "same-day"] as const);
        break;
      case "windowBounds":
        out.windowBounds = oneOf(k, value, ["inclusive", "exclusive"] as const);
        break;
      default:
        throw new Error(`unknown mode "${k}"`);
    }
  }
  return out;
}

function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value === "string" && (allowed as readonly string[]).includes(value)) return value as T;
  throw new Error(`${name} must be one of ${allowed.join(", ")}`);
}

/** The statuses a list filter asks for, as the server reading `form` understands the query. */
export function statusFilter(values: string[], form: SimModes["statusFilterForm"]): string[] {
  if (form === "comma") {
    const last = values.at(-1);
    return last === undefined ? [] : last.split(",").filter(Boolean);
  }
  if (form === "repeated") return values.filter(Boolean);
  return values.flatMap((s) => s.split(",")).filter(Boolean);
}

/** Whether a task created at `createdAt` lies after the lower bound `after` under the modes' readings. */
export function afterLowerBound(
  createdAt: number,
  after: number,
  modes: SimModes,
  sameDayApplies: boolean,
): boolean {
  const inside = modes.windowBounds === "inclusive" ? createdAt >= after : createdAt > after;
  if (!inside) return false;
  if (sameDayApplies && modes.createdAtReading === "same-day") {
    return Math.floor(createdAt / 86_400_000) === Math.floor(after / 86_400_000);
  }
  return true;
}

export function beforeUpperBound(createdAt: number, before: number, modes: SimModes): boolean {
  return modes.windowBounds === "inclusive" ? createdAt <= before : createdAt < before;
}
