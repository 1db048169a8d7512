/**
 * The WireGuard cross-platform UAPI (https://www.wireguard.com/xplatform/), as wireguard-go
 * speaks it on `/var/run/wireguard/IFACE.sock`: parse a `get=1` answer into a
 * {@link LiveDevice}, and write `set=1` requests that touch only the peers named in them.
 * Pure: the socket I/O is the agent's (`agent/wg/uapi-backend.ts`). Keys travel as hex on the
 * wire and base64 everywhere else; the private key in a `get` answer is read past and never
 * kept (only its public key, derived by the caller, is).
 */
import { idlePeer, type LiveDevice, type LivePeerDraft } from "./dump.js";

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

/** `text[from, to)` as a decimal number, optionally signed; else throws naming the field. */
function decimal(text: string, from: number, to: number, what: string, signed = false): number {
  const digits = signed && text.charCodeAt(from) === 45 ? from + 1 : from;
  let ok = to > digits && to - digits <= 20;
  let n = 0;
  for (let i = digits; ok && i < to; i++) {
    const c = text.charCodeAt(i) - 48;
    ok = c >= 0 && c <= 9;
    n = n * 10 + c;
  }
  if (!ok) throw new UapiError(`${what} ${JSON.stringify(text.slice(from, to))} is not a number`);
  return digits > from ? -n : n;
}

/** Whether `text[from, to)` is the all-zero key (no key set). */
const isZeroKey = (text: string, from: number, to: number): boolean =>
  to - from === 64 && text.startsWith(ZERO_KEY, from);

/**
 * Parses the answer to `get=1\n\n` for device `name`: `key=value` lines up to `errno=N` (N ≠ 0
 * throws {@link UapiErrnoError}). `publicKeyOf` turns the base64 private key into its public key
 * (crypto stays out of this module); a device without a private key has publicKey null.
 * Unknown keys are skipped, as the protocol asks of readers, so a newer wireguard-go still parses.
 *
 * A 10,000-peer answer is ≈ 100,000 lines (3 MB), read on every apply of a big hub, so this is
 * one pass by index that dispatches on the key's length and compares in place: no string is
 * made for a key or for a value that is skipped (handshake nanoseconds, protocol version).
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
  // Compared char by char: `startsWith` with a position was ≈ 40% of this parse (a runtime
  // call per line); the switch below has already matched the length.
  const at = (key: string, pos: number) => {
    for (let i = 0; i < key.length; i++) if (text.charCodeAt(pos + i) !== key.charCodeAt(i)) return false;
    return true;
  };
  for (let pos = 0; pos < text.length && errno === undefined; ) {
    let nl = text.indexOf("\n", pos);
    if (nl < 0) nl = text.length;
    if (nl === pos) {
      pos = nl + 1;
      continue;
    }
    const eq = text.indexOf("=", pos);
    if (eq <= pos || eq > nl)
      throw new UapiError(`line ${JSON.stringify(text.slice(pos, Math.min(nl, pos + 80)))} is not key=value`);
    const v = eq + 1;
    switch (eq - pos) {
      case 10:
        if (at("public_key", pos)) {
          peer = idlePeer(hexKeyToBase64(text.slice(v, nl), "peer public_key"));
          peers.push(peer);
        } else if (peer !== undefined && at("allowed_ip", pos)) peer.allowedIPs.push(text.slice(v, nl));
        break;
      case 13:
        if (peer !== undefined && at("preshared_key", pos))
          peer.presharedKey = isZeroKey(text, v, nl)
            ? null
            : hexKeyToBase64(text.slice(v, nl), "preshared_key");
        break;
      case 8:
        if (peer === undefined) break;
        if (at("tx_bytes", pos)) peer.txBytes = decimal(text, v, nl, "tx_bytes");
        else if (at("rx_bytes", pos)) peer.rxBytes = decimal(text, v, nl, "rx_bytes");
        else if (at("endpoint", pos)) peer.endpoint = text.slice(v, nl);
        break;
      case 23:
        if (peer !== undefined && at("last_handshake_time_sec", pos))
          peer.latestHandshake = decimal(text, v, nl, "last_handshake_time_sec");
        break;
      case 29:
        if (peer !== undefined && at("persistent_keepalive_interval", pos))
          peer.persistentKeepalive = decimal(text, v, nl, "persistent_keepalive_interval");
        break;
      case 5:
        if (at("errno", pos)) errno = decimal(text, v, nl, "errno", true);
        break;
      case 11:
        if (peer !== undefined) break;
        if (at("private_key", pos)) {
          if (!isZeroKey(text, v, nl))
            publicKey = publicKeyOf(hexKeyToBase64(text.slice(v, nl), "private_key"));
        } else if (at("listen_port", pos)) listenPort = decimal(text, v, nl, "listen_port");
        break;
      case 6:
        if (peer === undefined && at("fwmark", pos)) fwmark = decimal(text, v, nl, "fwmark");
        break;
    }
    pos = nl + 1;
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
