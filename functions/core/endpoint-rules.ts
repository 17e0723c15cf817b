import { isIP } from "node:net";
import { isForbiddenAddress, isLoopback } from "./forbidden-addresses.js";
import { isCleanText } from "./text-rules.js";

/*
 * Where notifications may go: the rules for a callback URL and for each subscription protocol's
 * endpoint, in words that say what to fix. The API refuses with them (422) and the stack refuses a
 * stage's initialSubscriptions with them at synth.
 */

/**
 * https only, no credentials, no host that names a forbidden address literally (private, loopback,
 * link-local, CGNAT, ... as core/forbidden-addresses.ts lists them); local mode also takes http(s)
 * to loopback. Host names are checked again at connect time, on every address they resolve to.
 */
export function isPublicHttpsUrl(s: string, allowLoopbackHttp = false): boolean {
  return urlProblem(s, allowLoopbackHttp) === undefined;
}

/** Which rule a URL breaks (for error messages that say what to fix), or undefined. */
export function urlProblem(s: string, allowLoopbackHttp = false): string | undefined {
  if (s.length > 2048) return "it is longer than 2048 characters";
  if (!isCleanText(s)) return "it holds control characters, lone surrogates or noncharacters";
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return "it is not a URL";
  }
  if (u.username || u.password) return "it carries credentials (user:password@)";
  const host = u.hostname.toLowerCase().replace(/^\[|\]$/g, "");
  const named = isIP(host) === 0;
  const loopback = host === "localhost" || (!named && isLoopback(host));
  if (allowLoopbackHttp && loopback && (u.protocol === "http:" || u.protocol === "https:")) return undefined;
  if (u.protocol !== "https:") return "it is not https";
  if (!host || loopback || host.endsWith(".localhost")) return "its host is this machine (loopback)";
  if (!named && isForbiddenAddress(host))
    return "its host is a private, loopback, link-local or otherwise non-public address";
  return undefined;
}

const EMAIL =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
const E164 = /^\+[1-9]\d{1,14}$/;
const SQS_ARN = /^arn:aws[a-z-]*:sqs:[a-z]{2}(-[a-z]+)+-\d:\d{12}:[A-Za-z0-9_-]{1,75}(\.fifo)?$/;
const LAMBDA_ARN =
  /^arn:aws[a-z-]*:lambda:[a-z]{2}(-[a-z]+)+-\d:\d{12}:function:[A-Za-z0-9_-]{1,64}(:(\$LATEST|[A-Za-z0-9_-]{1,128}))?$/;
/** Protocols SNS can deliver raw (the message alone): SQS and HTTP(S). */
export const RAW_PROTOCOLS = new Set(["sqs", "https", "http"]);

/** Which rule a subscription endpoint breaks, in words that say what to fix; undefined when none. */
export function endpointProblem(
  protocol: string,
  endpoint: string,
  allowLoopbackHttp: boolean,
): string | undefined {
  if (protocol === "email")
    return EMAIL.test(endpoint) && endpoint.length <= 254
      ? undefined
      : "it is not an email address (name@example.com)";
  if (protocol === "sms")
    return E164.test(endpoint)
      ? undefined
      : "it is not an E.164 phone number (+ country code and number, e.g. +15551234567)";
  if (protocol === "sqs") {
    if (!SQS_ARN.test(endpoint))
      return "it is not an SQS queue ARN (arn:aws:sqs:<region>:<account>:<queue name>)";
    if (endpoint.endsWith(".fifo")) return "it is a FIFO queue, which a standard SNS topic cannot deliver to";
    return undefined;
  }
  if (protocol === "lambda")
    return LAMBDA_ARN.test(endpoint)
      ? undefined
      : "it is not a Lambda function ARN (arn:aws:lambda:<region>:<account>:function:<name>[:<alias or version>])";
  const problem = urlProblem(endpoint, allowLoopbackHttp);
  if (problem) return problem;
  if (protocol === "https" && !endpoint.startsWith("https:")) return "it is not https";
  if (protocol === "http" && !endpoint.startsWith("http:"))
    return "an http subscription needs an http:// URL";
  return undefined;
}
