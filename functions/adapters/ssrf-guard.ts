import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from "node:dns";
import { isIP } from "node:net";
import { Agent, buildConnector } from "undici";
import { isForbiddenAddress } from "../core/forbidden-addresses.js";

/*
 * The SSRF guard of webhook deliveries. Registration refuses literal private hosts early (a clear
 * 422), but a name can resolve anywhere and change its answer later, so the check that counts is
 * made here, at connect time: every address the name resolves to is checked inside undici's
 * connector, and the socket is only opened to an address that passed.
 */

/** Thrown (and recorded as `refused_address`) when a callback's host is, or resolves to, a forbidden address. */
export class RefusedAddressError extends Error {
  override readonly name = "RefusedAddressError";
  readonly code = "ERR_WEBHOOK_REFUSED_ADDRESS";
}

export type LookupFn = (
  hostname: string,
  options: LookupOptions,
  callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

const systemLookup: LookupFn = (hostname, options, callback) =>
  dnsLookup(hostname, { ...options, all: true }, callback);

/**
 * A `lookup` for net/tls.connect that resolves every address of the name and fails the connection
 * if any of them is forbidden (a name with one public and one private answer is refused whole).
 */
export function guardedLookup(opts: { allowLoopback?: boolean; lookup?: LookupFn } = {}) {
  const resolve = opts.lookup ?? systemLookup;
  return (
    hostname: string,
    options: LookupOptions,
    callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, "");
      const list = addresses.filter((a) => !options.family || a.family === options.family);
      const bad = list.find((a) => isForbiddenAddress(a.address, opts));
      if (bad || list.length === 0) {
        return callback(
          new RefusedAddressError(
            `${hostname} resolves to an address webhooks may not reach`,
          ) as NodeJS.ErrnoException,
          "",
        );
      }
      if (options.all) return callback(null, list);
      const first = list[0] as LookupAddress;
      callback(null, first.address, first.family);
    });
  };
}

/**
 * An undici Agent whose every connection passes the guard: IP-literal hosts are checked before
 * connecting, names through guardedLookup. Redirects are not followed (undici's default).
 */
export function guardedAgent(
  opts: { allowLoopback?: boolean; lookup?: LookupFn; connectTimeoutMs?: number } = {},
): Agent {
  const base = buildConnector({
    timeout: opts.connectTimeoutMs ?? 5_000,
    // undici passes unknown options on to net/tls.connect, which calls this for every name.
    lookup: guardedLookup(opts),
  } as buildConnector.BuildOptions);
  const connect: buildConnector.connector = (options, callback) => {
    const host = options.hostname.replace(/^\[|\]$/g, "");
    if (isIP(host) !== 0 && isForbiddenAddress(host, opts)) {
      callback(new RefusedAddressError(`${host} is an address webhooks may not reach`), null);
      return;
    }
    base(options, callback);
  };
  return new Agent({ connect, connections: 8, keepAliveTimeout: 4_000 });
}
