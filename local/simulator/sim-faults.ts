/** Faults the simulator can inject, by script (`times`) or by rate (`rate`, seeded). */
export type FaultType = "5xx" | "429" | "slow" | "truncated" | "invalid-json" | "reset";

export interface FaultRule {
  type: FaultType;
  /** Applies to API paths containing this text (e.g. "/embed/tasks"); all API paths when absent. */
  pathIncludes?: string;
  /** Scripted: the next `times` matching calls. */
  times?: number;
  /** Random: this share of matching calls (0..1). */
  rate?: number;
  /** 5xx: which status (default 503). */
  status?: number;
  /** 429: `Retry-After` seconds; `resetInSec`: `X-Ratelimit-Reset` instead (epoch seconds). */
  retryAfterSec?: number;
  resetInSec?: number;
  /** 429 on embed-v2 paths: the wait in the body's `error.details.retryAfter` (seconds), the v2 spec's form. */
  bodyRetryAfterSec?: number;
  /** slow: how long before the response starts. */
  delayMs?: number;
}

export const FAULT_TYPES: readonly FaultType[] = ["5xx", "429", "slow", "truncated", "invalid-json", "reset"];

/** mulberry32: a tiny seeded PRNG so fault rates are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultPlan {
  private rules: FaultRule[] = [];
  constructor(private readonly random: () => number) {}

  add(rule: FaultRule): void {
    if (!FAULT_TYPES.includes(rule.type)) throw new Error(`unknown fault type ${String(rule.type)}`);
    if (rule.times === undefined && rule.rate === undefined) throw new Error("a fault needs times or rate");
    this.rules.push({ ...rule });
  }

  clear(): void {
    this.rules = [];
  }

  /** The fault for this call, if any; scripted rules are consumed. */
  pick(path: string): FaultRule | undefined {
    for (const rule of this.rules) {
      if (rule.pathIncludes && !path.includes(rule.pathIncludes)) continue;
      if (rule.times !== undefined && rule.times > 0) {
        rule.times -= 1;
        return rule;
      }
      if (rule.rate !== undefined && this.random() < rule.rate) return rule;
    }
    this.rules = this.rules.filter((r) => r.rate !== undefined || (r.times ?? 0) > 0);
    return undefined;
  }
}
