/**
 * WireGuard endpoints: `host:port`, where host is an IPv4 address, a bracketed
 * IPv6 address or a DNS name. Anything else is refused: the endpoint is written
 * into configs, so it must not carry spaces, `=`, newlines or stray brackets.
 */
import { type IpAddress, parseIp } from "./prefix.js";

export interface Endpoint {
  readonly host: string;
  readonly port: number;
  /** Set when the host is an IP literal. */
  readonly address?: IpAddress;
}

const HOSTNAME =
  /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export type EndpointParse = { ok: true; endpoint: Endpoint } | { ok: false; message: string };

export function parseEndpoint(text: string): EndpointParse {
  const match = /^(\[([^\]]+)\]|([^:[\]]+)):([0-9]{1,5})$/.exec(text);
  if (!match) return { ok: false, message: `${quote(text)} is not host:port (IPv6 as [addr]:port)` };
  const port = Number(match[4]);
  if (port < 1 || port > 65535 || String(port) !== match[4]) {
    return { ok: false, message: `port ${match[4]} is outside 1–65535` };
  }
  if (match[2] !== undefined) {
    const address = parseIp(match[2]);
    if (address?.family !== 6)
      return { ok: false, message: `${quote(`[${match[2]}]`)} is not an IPv6 address` };
    return { ok: true, endpoint: { host: match[2], port, address } };
  }
  const host = match[3]!;
  const address = parseIp(host);
  if (address) return { ok: true, endpoint: { host, port, address } };
  if (/^[0-9.]+$/.test(host)) return { ok: false, message: `${host} is not a valid IPv4 address` };
  if (!HOSTNAME.test(host)) return { ok: false, message: `${quote(host)} is not a valid host name` };
  return { ok: true, endpoint: { host, port } };
}

/** Untrusted text for a message: JSON-quoted, with DEL and C1 controls escaped too. */
function quote(text: string): string {
  return JSON.stringify(text).replace(
    /[\u007f-\u009f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

export function formatEndpoint(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
