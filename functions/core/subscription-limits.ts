/**
 * What a stage lets the admin key subscribe: a maximum count, the protocols (SMS only where the
 * stage enables it: an SMS subscription needs no confirmation and every message costs money), and
 * optional allow-lists of email domains and HTTPS hosts.
 */
export interface SubscriptionLimits {
  maxCount: number;
  protocols: readonly string[];
  /** Lower-case domains; empty: any. */
  emailDomains: readonly string[];
  /** Lower-case host names; empty: any. */
  httpsHosts: readonly string[];
}

export interface LimitProblem {
  code: "protocol_not_allowed" | "endpoint_not_allowed";
  message: string;
}

/** Why this endpoint may not be subscribed on this stage, or undefined when it may. */
export function subscriptionProblem(
  l: SubscriptionLimits,
  protocol: string,
  endpoint: string,
): LimitProblem | undefined {
  if (!l.protocols.includes(protocol)) {
    return {
      code: "protocol_not_allowed",
      message: `${protocol} subscriptions are not enabled on this stage (allowed: ${l.protocols.join(", ")})`,
    };
  }
  if (protocol === "email" && l.emailDomains.length > 0) {
    const domain = endpoint.slice(endpoint.lastIndexOf("@") + 1).toLowerCase();
    if (!l.emailDomains.includes(domain))
      return {
        code: "endpoint_not_allowed",
        message: `email domain ${domain} is not on this stage's allow-list`,
      };
  }
  if (protocol === "https" && l.httpsHosts.length > 0) {
    let host = "";
    try {
      host = new URL(endpoint).hostname.toLowerCase();
    } catch {
      // the schema has checked the URL already; an unparsable one is simply not allowed
    }
    if (!l.httpsHosts.includes(host))
      return { code: "endpoint_not_allowed", message: `host ${host} is not on this stage's allow-list` };
  }
  return undefined;
}
