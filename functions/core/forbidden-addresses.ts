import { BlockList, isIP } from "node:net";

/*
 * The addresses webhooks may never reach, in one place: registration refuses a literal one early
 * (http/schemas.ts), and the connect-time guard (adapters/ssrf-guard.ts) refuses every address a
 * host name resolves to.
 */

const V4_BLOCKED: Array<[string, number]> = [
  ["0.0.0.0", 8], // "this" network
  ["10.0.0.0", 8], // private
  ["100.64.0.0", 10], // carrier-grade NAT
  ["127.0.0.0", 8], // loopback
  ["169.254.0.0", 16], // link-local, the metadata address 169.254.169.254 among them
  ["172.16.0.0", 12], // private
  ["192.0.0.0", 24], // IETF protocol assignments
  ["192.0.2.0", 24], // documentation
  ["192.88.99.0", 24], // 6to4 relay anycast
  ["192.168.0.0", 16], // private
  ["198.18.0.0", 15], // benchmarking
  ["198.51.100.0", 24], // documentation
  ["203.0.113.0", 24], // documentation
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, broadcast
];
const V6_BLOCKED: Array<[string, number]> = [
  ["::", 128], // unspecified
  ["::1", 128], // loopback
  ["100::", 64], // discard
  ["2001::", 32], // Teredo: tunnels to an IPv4 address (obfuscated in the address); no receiver lives there
  ["2001:db8::", 32], // documentation
  ["64:ff9b:1::", 48], // local-use IPv4/IPv6 translation (RFC 8215): reaches local IPv4 networks
  ["fc00::", 7], // unique local
  ["fe80::", 10], // link-local
  ["fec0::", 10], // site-local (deprecated)
  ["ff00::", 8], // multicast
];

const blocked = new BlockList();
for (const [net, prefix] of V4_BLOCKED) blocked.addSubnet(net, prefix, "ipv4");
for (const [net, prefix] of V6_BLOCKED) blocked.addSubnet(net, prefix, "ipv6");

/**
 * The IPv4 address an IPv6 address wraps: IPv4-mapped (::ffff:a.b.c.d), IPv4-translated
 * (::ffff:0:a.b.c.d), IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::a.b.c.d) in the last 32 bits;
 * 6to4 (2002:AABB:CCDD::/48) in the second and third groups.
 */
function embeddedV4(v6: string): string | undefined {
  const groups = expandV6(v6);
  if (!groups) return undefined;
  const dotted = (hi: number, lo: number) => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  if (groups[0] === 0x2002) return dotted(groups[1] as number, groups[2] as number);
  const head = groups.slice(0, 6);
  const zeroHead = head.slice(0, 5).every((g) => g === 0);
  const mapped = zeroHead && head[5] === 0xffff;
  const translated = head.slice(0, 4).every((g) => g === 0) && head[4] === 0xffff && head[5] === 0;
  const compatible = zeroHead && head[5] === 0 && (groups[6] !== 0 || (groups[7] ?? 0) > 1);
  const nat64 = groups[0] === 0x64 && groups[1] === 0xff9b && head.slice(2).every((g) => g === 0);
  if (!mapped && !translated && !compatible && !nat64) return undefined;
  return dotted(groups[6] as number, groups[7] as number);
}

/** Eight 16-bit groups of an IPv6 address (dotted IPv4 tails and `::` expanded), or undefined. */
function expandV6(addr: string): number[] | undefined {
  let a = addr.toLowerCase().split("%")[0] as string;
  const v4tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (v4tail) {
    const p = (v4tail[1] as string).split(".").map(Number);
    a = `${a.slice(0, -(v4tail[1] as string).length)}${(((p[0] as number) << 8) | (p[1] as number)).toString(16)}:${(((p[2] as number) << 8) | (p[3] as number)).toString(16)}`;
  }
  const [left, right] = a.split("::") as [string, string | undefined];
  const l = left ? left.split(":") : [];
  const r = right ? right.split(":") : [];
  const fill = a.includes("::") ? 8 - l.length - r.length : 0;
  const groups = [...l, ...Array(fill).fill("0"), ...r].map((g) => Number.parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff)
    ? groups
    : undefined;
}

/** Loopback addresses, the only private ones local mode may deliver to. */
export function isLoopback(ip: string): boolean {
  const family = isIP(ip);
  if (family === 4) return ip.startsWith("127.");
  const v4 = embeddedV4(ip);
  return v4 !== undefined ? v4.startsWith("127.") : expandV6(ip)?.join(":") === "0:0:0:0:0:0:0:1";
}

/**
 * True when a webhook may not be sent to this address: private, loopback, link-local (the cloud
 * metadata address among them), unique-local, carrier-grade NAT, multicast, reserved, and any
 * IPv6 form that embeds one of those IPv4 addresses. Anything that is not an IP address is refused.
 */
export function isForbiddenAddress(ip: string, opts: { allowLoopback?: boolean } = {}): boolean {
  const family = isIP(ip);
  if (family === 0) return true;
  if (opts.allowLoopback && isLoopback(ip)) return false;
  if (family === 4) return blocked.check(ip, "ipv4");
  if (blocked.check(ip, "ipv6")) return true;
  // A form that wraps an IPv4 address is what that address is.
  const v4 = embeddedV4(ip);
  return v4 !== undefined && blocked.check(v4, "ipv4");
}
