/**
 * Which names the generated server certificate must cover. Agents and browsers check the name they dialled
 * against the certificate, so every address the controller is reached by has to be in it: loopback for local
 * admin, this machine's name, and whatever the operator adds (a load-balancer name, a public IP).
 */
import { isIP } from "node:net";

/** One subject alternative name: IP addresses go into IP SANs, everything else into DNS SANs. */
export type SanEntry = { type: "dns" | "ip"; value: string };

/** What is always in a generated certificate, whatever the operator asks for. */
export const DEFAULT_SANS: readonly string[] = ["localhost", "127.0.0.1", "::1"];

const LABEL = "[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?";
const DNS_NAME = new RegExp(`^(?:\\*\\.)?${LABEL}(?:\\.${LABEL})*$`);

/**
 * Turns one operator-given name into a SAN: lowercases DNS names and drops a trailing dot, strips the
 * brackets of `[::1]`, and refuses what could never match a TLS name (URLs, ports, spaces, IPv6 zones) with
 * an error naming the value, so a typo fails at start-up instead of as a handshake error on every agent.
 */
export function parseSan(raw: string): SanEntry {
  const text = raw.trim();
  const unbracketed = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  // A zone ("fe80::1%eth0") is local to one host and cannot be put in a certificate.
  if (isIP(unbracketed) && !unbracketed.includes("%"))
    return { type: "ip", value: unbracketed.toLowerCase() };
  const name = text.toLowerCase().replace(/\.$/, "");
  if (name.length > 253 || !DNS_NAME.test(name)) {
    throw new Error(
      `TLS hostname ${JSON.stringify(raw)} is neither an IP address nor a DNS name (give a bare name such as ` +
        `"hub.example.com" or an address such as "192.0.2.10", without scheme or port)`,
    );
  }
  return { type: "dns", value: name };
}

/**
 * The SANs a certificate for this controller needs: the defaults, `hostname` (this machine, skipped if it is
 * not a valid DNS name, since a container's generated name is not the operator's fault) and `extra`
 * (operator input, which must be valid). Deduplicated, in first-seen order.
 */
export function wantedSans(hostname: string, extra: readonly string[]): SanEntry[] {
  const out: SanEntry[] = DEFAULT_SANS.map(parseSan);
  try {
    out.push(parseSan(hostname));
  } catch {}
  for (const name of extra) out.push(parseSan(name));
  return dedupeSans(out);
}

/** `entries` without repeats (same type and value), first occurrence kept. */
export function dedupeSans(entries: readonly SanEntry[]): SanEntry[] {
  const seen = new Set<string>();
  return entries.filter((e) => {
    const key = sanKey(e);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** A comparable identity for a SAN: type plus value, IPv6 in one spelling, names lowercased. */
export function sanKey(e: SanEntry): string {
  return `${e.type}:${e.type === "ip" ? canonicalIp(e.value) : e.value.toLowerCase()}`;
}

/** One spelling per IPv6 address ("::1" and "0:0:0:0:0:0:0:1" are the same SAN). */
function canonicalIp(ip: string): string {
  if (isIP(ip) !== 6) return ip;
  return new URL(`http://[${ip}]/`).hostname;
}
