/**
 * The WireGuard cross-platform UAPI (https://www.wireguard.com/xplatform/), as wireguard-go
 * speaks it on `/var/run/wireguard/IFACE.sock`: parse a `get=1` answer into a
 * {@link LiveDevice}, and write `set=1` requests that touch only the peers named in them.
 * Pure: the socket I/O is the agent's (`agent/wg/uapi-backend.ts`). Keys travel as hex on the
 * wire and base64 everywhere else; the private key in a `get` answer is read past and never
 * kept (only its public key, derived by the caller, is).
 */
import { idlePeer, type LiveDevice, type LivePeer, type LivePeerDraft } from "./dump.js";

/** A `get` answer or a `set` reply that does not have the shape the protocol defines. */
export class UapiError extends Error {
  readonly code = "wg-uapi-invalid";
  constructor(why: string) {
    super(`wireguard UAPI: ${why}`);
    this.name = "UapiError";
  }
}

/** The device refused a request: `errno=N` with N ≠ 0 (wireguard-go's ipc error codes). */
export class UapiErrnoError extends Error {
  readonly code = "wg-uapi-errno";
  constructor(
    readonly errno: number,
    what: string,
  ) {
    super(`${what}: errno=${errno}`);
    this.name = "UapiErrnoError";
  }
}

const ZERO_KEY = "0".repeat(64);

/**
 * 64 hex digits → base64, or undefined when `hex` is not a key. `Buffer.from` stops at the
 * first pair that is not hex, so the length check is the whole validation (no regex: this runs
 * twice per peer on every read of a 10,000-peer device).
 */
function hexKey(hex: string): string | undefined {
  if (hex.length !== 64) return undefined;
  const buf = Buffer.from(hex, "hex");
  return buf.length === 32 ? buf.toString("base64") : undefined;
}

/** 64 hex digits → base64; names the field when it is not a key. */
export function hexKeyToBase64(hex: string, what = "key"): string {
  const b64 = hexKey(hex);
  if (b64 === undefined) throw new UapiError(`${what} ${JSON.stringify(hex)} is not 64 hex digits`);
  return b64;
}

/** base64 WireGuard key → 64 hex digits; names the field when it is not a 32-byte key. */
export function base64KeyToHex(b64: string, what = "key"): string {
  const buf = Buffer.from(b64, "base64");
  if (buf.length !== 32 || buf.toString("base64") !== b64)
    throw new UapiError(`${what} is not a base64 32-byte key`);
  return buf.toString("hex");
}

/** Decimal digits, optionally after a minus sign when `signed`; else throws naming the field. */
function decimal(v: string, what: string, signed = false): number {
  const from = signed && v.charCodeAt(0) === 45 ? 1 : 0;
  let ok = v.length > from && v.length - from <= 20;
  for (let i = from; ok && i < v.length; i++) {
    const c = v.charCodeAt(i);
    ok = c >= 48 && c <= 57;
  }
  if (!ok) throw new UapiError(`${what} ${JSON.stringify(v)} is not a number`);
  return Number(v);
}

/** The peer fields a `get` answer carries as plain numbers, by UAPI key. */
const PEER_NUMBERS = {
  last_handshake_time_sec: "latestHandshake",
  rx_bytes: "rxBytes",
  tx_bytes: "txBytes",
  persistent_keepalive_interval: "persistentKeepalive",
} as const satisfies Record<string, keyof LivePeer>;

/**
 * Parses the answer to `get=1\n\n` for device `name`: `key=value` lines up to `errno=N` (N ≠ 0
 * throws {@link UapiErrnoError}). `publicKeyOf` turns the base64 private key into its public key
 * (crypto stays out of this module); a device without a private key has publicKey null.
 * Unknown keys are skipped, as the protocol asks of readers, so a newer wireguard-go still parses.
 * One pass over the text by index: a 10,000-peer answer is ≈ 100,000 lines, read on every apply.
 */
export function parseUapiGet(
  text: string,
  name: string,
  publicKeyOf: (privateKeyBase64: string) => string,
): LiveDevice {
  let publicKey: string | null = null;
  let listenPort = 0;
  let fwmark = 0;
  const peers: LivePeerDraft[] = [];
  let peer: LivePeerDraft | undefined;
  let errno: number | undefined;
  for (let pos = 0; pos < text.length && errno === undefined; ) {
    let nl = text.indexOf("\n", pos);
    if (nl < 0) nl = text.length;
    const eq = text.indexOf("=", pos);
    if (nl === pos) {
      pos = nl + 1;
      continue;
    }
    if (eq <= pos || eq > nl)
      throw new UapiError(`line ${JSON.stringify(text.slice(pos, Math.min(nl, pos + 80)))} is not key=value`);
    const key = text.slice(pos, eq);
    const value = text.slice(eq + 1, nl);
    pos = nl + 1;
    if (key === "public_key") {
      peer = idlePeer(hexKeyToBase64(value, "peer public_key"));
      peers.push(peer);
    } else if (key === "allowed_ip" && peer !== undefined) peer.allowedIPs.push(value);
    else if (key === "errno") errno = decimal(value, "errno", true);
    else if (peer === undefined) {
      if (key === "private_key") {
        if (value !== ZERO_KEY) publicKey = publicKeyOf(hexKeyToBase64(value, "private_key"));
      } else if (key === "listen_port") listenPort = decimal(value, key);
      else if (key === "fwmark") fwmark = decimal(value, key);
    } else if (key === "endpoint") peer.endpoint = value;
    else if (key === "preshared_key")
      peer.presharedKey = value === ZERO_KEY ? null : hexKeyToBase64(value, key);
    else if (Object.hasOwn(PEER_NUMBERS, key))
      peer[PEER_NUMBERS[key as keyof typeof PEER_NUMBERS]] = decimal(value, key);
  }
  if (errno === undefined) throw new UapiError(`get answer for ${name} ended without errno=`);
  if (errno !== 0) throw new UapiErrnoError(errno, `get ${name}`);
  for (const p of peers) if (p.allowedIPs.length > 1) p.allowedIPs.sort();
  return { name, publicKey, listenPort, fwmark, peers };
}

/** The `errno` of a `set` reply (`errno=N\n\n`, N ≤ 0); throws when there is none. */
export function parseUapiErrno(text: string): number {
  const m = /(?:^|\n)errno=(-?\d+)\n/.exec(text);
  if (!m) throw new UapiError(`reply ${JSON.stringify(text.slice(0, 80))} has no errno=`);
  return Number(m[1]);
}

/** One peer in a `set` request. */
export interface UapiPeerSet {
  /** base64. */
  readonly publicKey: string;
  /** Removes the peer; every other field is ignored. */
  readonly remove?: boolean;
  /** Literal `ip:port` or `[v6]:port` (UAPI does not resolve names); absent: left as is. */
  readonly endpoint?: string;
  /** Replaces the peer's allowed IPs with exactly these; absent: left as is. */
  readonly allowedIPs?: readonly string[];
  /** Seconds, 0 = off; absent: left as is. */
  readonly persistentKeepalive?: number;
  /** base64; null: none (the zero key); absent: left as is. */
  readonly presharedKey?: string | null;
}

/** The device fields of a `set` request; absent fields are left as they are. */
export interface UapiDeviceSet {
  /** base64; never logged (the request text holds it: send it, do not print it). */
  readonly privateKey?: string;
  readonly listenPort?: number;
  readonly peers?: readonly UapiPeerSet[];
}

/** Values the device would read as more than one line or field. */
function plain(v: string, what: string): string {
  if (/[\n=]/.test(v) || v === "") throw new UapiError(`${what} ${JSON.stringify(v)} cannot be sent`);
  return v;
}

/** A 16-bit field (port, keepalive seconds). */
function u16(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 65535) throw new UapiError(`${what} ${v} is not 0–65535`);
  return v;
}

/**
 * The `set=1` request text, ending in the blank line. Peers not listed are not touched, so
 * their sessions and counters stay; a listed peer that is not removed is created when missing.
 */
export function renderUapiSet(set: UapiDeviceSet): string {
  const out = ["set=1"];
  if (set.privateKey !== undefined) out.push(`private_key=${base64KeyToHex(set.privateKey, "private key")}`);
  if (set.listenPort !== undefined) out.push(`listen_port=${u16(set.listenPort, "listen port")}`);
  for (const p of set.peers ?? []) {
    out.push(`public_key=${base64KeyToHex(p.publicKey, "peer public key")}`);
    if (p.remove) {
      out.push("remove=true");
      continue;
    }
    if (p.presharedKey !== undefined)
      out.push(
        `preshared_key=${p.presharedKey === null ? ZERO_KEY : base64KeyToHex(p.presharedKey, "preshared key")}`,
      );
    if (p.endpoint !== undefined) out.push(`endpoint=${plain(p.endpoint, "endpoint")}`);
    if (p.persistentKeepalive !== undefined)
      out.push(`persistent_keepalive_interval=${u16(p.persistentKeepalive, "persistent keepalive")}`);
    if (p.allowedIPs !== undefined) {
      out.push("replace_allowed_ips=true");
      for (const a of p.allowedIPs) out.push(`allowed_ip=${plain(a, "allowed IP")}`);
    }
  }
  return `${out.join("\n")}\n\n`;
}
