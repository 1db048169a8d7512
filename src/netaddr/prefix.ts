/**
 * IP addresses and prefixes as integers, so that containment, overlap and
 * allocation are plain arithmetic. Parsing is delegated to ipaddr.js; nothing
 * here does I/O.
 */
import ipaddr from "ipaddr.js";

export type IpFamily = 4 | 6;

/** A parsed address. `value` is the address as an unsigned integer. */
export interface IpAddress {
  readonly family: IpFamily;
  readonly value: bigint;
}

/** A parsed prefix with host bits zero (`start` is the network address). */
export interface Prefix {
  readonly family: IpFamily;
  readonly start: bigint;
  readonly length: number;
}

export const familyBits = (family: IpFamily): number => (family === 4 ? 32 : 128);

const DOTTED_QUAD =
  /^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$/;

/** Parses a literal IPv4 or IPv6 address (no zone, no brackets); `undefined` when it is not one. */
export function parseIp(text: string): IpAddress | undefined {
  // Fast path for canonical dotted quads: validation of 10,000 sites parses tens of thousands.
  const quad = DOTTED_QUAD.exec(text);
  if (quad) {
    const value = ((Number(quad[1]) * 256 + Number(quad[2])) * 256 + Number(quad[3])) * 256 + Number(quad[4]);
    return { family: 4, value: BigInt(value) };
  }
  if (text.includes("%")) return undefined;
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) addr = ipaddr.IPv4.parse(text);
  else if (text.includes(":")) {
    const v6 = withoutDottedQuad(text);
    if (v6 === undefined || !ipaddr.IPv6.isValid(v6)) return undefined;
    addr = ipaddr.IPv6.parse(v6);
  } else return undefined;
  let value = 0n;
  for (const byte of addr.toByteArray()) value = (value << 8n) | BigInt(byte);
  return { family: addr.kind() === "ipv4" ? 4 : 6, value };
}

/**
 * IPv6 text with a trailing dotted quad (`::ffff:10.0.0.1`, `64:ff9b::10.0.0.1`)
 * rewritten as two hex groups, since ipaddr.js reads `::a.b.c.d` as
 * `::ffff:a.b.c.d` and accepts octets with leading zeros there. `undefined`
 * when the dotted quad is not a valid IPv4 address.
 */
function withoutDottedQuad(text: string): string | undefined {
  const colon = text.lastIndexOf(":");
  const tail = text.slice(colon + 1);
  if (!tail.includes(".")) return text;
  const quad = DOTTED_QUAD.exec(tail);
  if (!quad) return undefined;
  const [a, b, c, d] = quad.slice(1, 5).map(Number) as [number, number, number, number];
  return `${text.slice(0, colon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
}

/** Canonical text of an address (dotted quad, or RFC 5952 IPv6). */
export function formatIp(address: IpAddress): string {
  if (address.family === 4) {
    const v = Number(address.value);
    return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
  }
  const bytes: number[] = [];
  let v = address.value;
  for (let i = 0; i < familyBits(address.family) / 8; i++) {
    bytes.unshift(Number(v & 0xffn));
    v >>= 8n;
  }
  return ipaddr.fromByteArray(bytes).toString();
}

export type PrefixParse =
  | { ok: true; prefix: Prefix }
  | { ok: false; reason: "malformed" | "non-canonical"; message: string; canonical?: string };

/**
 * Parses `addr/len`. Host bits must be zero: `10.0.0.1/24` is refused with the
 * canonical form in the message, because a config that silently means something
 * else than it says is how routing incidents start.
 */
export function parsePrefix(text: string): PrefixParse {
  let result = parsed.get(text);
  if (result === undefined) {
    // A bounded memo: the same prefixes are parsed by schema, validation and compiler alike.
    if (parsed.size >= 200_000) parsed.clear();
    result = parsePrefixUncached(text);
    parsed.set(text, result);
  }
  return result;
}

const parsed = new Map<string, PrefixParse>();

function parsePrefixUncached(text: string): PrefixParse {
  const slash = text.indexOf("/");
  if (slash < 0) return malformed(text, "missing '/length'");
  const lengthText = text.slice(slash + 1);
  const address = parseIp(text.slice(0, slash));
  if (!address) return malformed(text, "not an IP address");
  if (!/^(0|[1-9][0-9]{0,2})$/.test(lengthText)) return malformed(text, "prefix length is not a number");
  const length = Number(lengthText);
  if (length > familyBits(address.family))
    return malformed(text, `prefix length exceeds ${familyBits(address.family)}`);
  const prefix: Prefix = {
    family: address.family,
    start: address.value & netmask(address.family, length),
    length,
  };
  if (prefix.start !== address.value || formatIp(address) !== text.slice(0, slash)) {
    const canonical = formatPrefix(prefix);
    if (prefix.start !== address.value) {
      return {
        ok: false,
        reason: "non-canonical",
        message: `${text} has host bits set; the network is ${canonical}`,
        canonical,
      };
    }
    return {
      ok: false,
      reason: "non-canonical",
      message: `${text} is not in canonical form (${canonical})`,
      canonical,
    };
  }
  return { ok: true, prefix };
}

function malformed(text: string, why: string): PrefixParse {
  return { ok: false, reason: "malformed", message: `${JSON.stringify(text)} is not a CIDR prefix: ${why}` };
}

export function formatPrefix(prefix: Prefix): string {
  return `${formatIp({ family: prefix.family, value: prefix.start })}/${prefix.length}`;
}

export function netmask(family: IpFamily, length: number): bigint {
  const bits = BigInt(familyBits(family));
  const all = (1n << bits) - 1n;
  return (all << (bits - BigInt(length))) & all;
}

/** Last address inside the prefix. */
export function prefixEnd(prefix: Prefix): bigint {
  return prefix.start + (1n << BigInt(familyBits(prefix.family) - prefix.length)) - 1n;
}

/** Number of addresses in the prefix. */
export function prefixSize(prefix: Prefix): bigint {
  return 1n << BigInt(familyBits(prefix.family) - prefix.length);
}

export function hostPrefix(address: IpAddress): Prefix {
  return { family: address.family, start: address.value, length: familyBits(address.family) };
}

export function containsAddress(prefix: Prefix, address: IpAddress): boolean {
  return (
    prefix.family === address.family && address.value >= prefix.start && address.value <= prefixEnd(prefix)
  );
}

/** True when `inner` lies entirely inside `outer` (equal counts). */
export function containsPrefix(outer: Prefix, inner: Prefix): boolean {
  return (
    outer.family === inner.family && outer.length <= inner.length && containsAddress(outer, addressOf(inner))
  );
}

export function overlaps(a: Prefix, b: Prefix): boolean {
  return a.family === b.family && a.start <= prefixEnd(b) && b.start <= prefixEnd(a);
}

export function addressOf(prefix: Prefix): IpAddress {
  return { family: prefix.family, value: prefix.start };
}

/** The default route of either family (`0.0.0.0/0`, `::/0`). */
export function isDefaultRoute(prefix: Prefix): boolean {
  return prefix.length === 0;
}

/** Total order: family, then start, then shorter first. Used for deterministic output. */
export function comparePrefixes(a: Prefix, b: Prefix): number {
  if (a.family !== b.family) return a.family - b.family;
  if (a.start !== b.start) return a.start < b.start ? -1 : 1;
  return a.length - b.length;
}
