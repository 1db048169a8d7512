/**
 * The WireGuard cross-platform UAPI (https://www.wireguard.com/xplatform/), as wireguard-go
 * speaks it on `/var/run/wireguard/IFACE.sock`: parse a `get=1` answer into a
 * {@link LiveDevice}, and write `set=1` requests that touch only the peers named in them.
 * Pure: the socket I/O is the agent's (`agent/wg/uapi-backend.ts`). Keys travel as hex on the
 * wire and base64 everywhere else; the private key in a `get` answer is read past and never
 * kept (only its public key, derived by the caller, is).
 */
import type { LiveDevice, LivePeer } from "./dump.js";

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

/** 64 hex digits → base64; names the field when it is not a key. */
export function hexKeyToBase64(hex: string, what = "key"): string {
  if (!/^[0-9a-fA-F]{64}$/.test(hex))
    throw new UapiError(`${what} ${JSON.stringify(hex)} is not 64 hex digits`);
  return Buffer.from(hex, "hex").toString("base64");
}

/** base64 WireGuard key → 64 hex digits; names the field when it is not a 32-byte key. */
export function base64KeyToHex(b64: string, what = "key"): string {
  const buf = Buffer.from(b64, "base64");
  if (buf.length !== 32 || buf.toString("base64") !== b64)
    throw new UapiError(`${what} is not a base64 32-byte key`);
  return buf.toString("hex");
}

function uint(v: string, what: string): number {
  if (!/^\d+$/.test(v)) throw new UapiError(`${what} ${JSON.stringify(v)} is not a number`);
  return Number(v);
}

/** wireguard-go answers errors as negative errno values (`errno=-98` for EADDRINUSE). */
function int(v: string, what: string): number {
  if (!/^-?\d+$/.test(v)) throw new UapiError(`${what} ${JSON.stringify(v)} is not a number`);
  return Number(v);
}

interface PeerDraft {
  publicKey: string;
  presharedKey: string | null;
  endpoint: string | null;
  allowedIPs: string[];
  latestHandshake: number;
  rxBytes: number;
  txBytes: number;
  persistentKeepalive: number;
}

/**
 * Parses the answer to `get=1\n\n` for device `name`: `key=value` lines up to `errno=N` (N ≠ 0
 * throws {@link UapiErrnoError}). `publicKeyOf` turns the base64 private key into its public key
 * (crypto stays out of this module); a device without a private key has publicKey null.
 * Unknown keys are skipped, as the protocol asks of readers, so a newer wireguard-go still parses.
 */
export function parseUapiGet(
  text: string,
  name: string,
  publicKeyOf: (privateKeyBase64: string) => string,
): LiveDevice {
  let publicKey: string | null = null;
  let listenPort = 0;
  let fwmark = 0;
  const peers: LivePeer[] = [];
  let peer: PeerDraft | undefined;
  let errno: number | undefined;
  const finish = () => {
    if (peer) peers.push({ ...peer, allowedIPs: peer.allowedIPs.sort() });
    peer = undefined;
  };
  for (const line of text.split("\n")) {
    if (line === "") {
      if (errno !== undefined) break;
      continue;
    }
    const eq = line.indexOf("=");
    if (eq <= 0) throw new UapiError(`line ${JSON.stringify(line.slice(0, 80))} is not key=value`);
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (key === "errno") {
      errno = int(value, "errno");
      break;
    }
    if (key === "public_key") {
      finish();
      peer = {
        publicKey: hexKeyToBase64(value, "peer public_key"),
        presharedKey: null,
        endpoint: null,
        allowedIPs: [],
        latestHandshake: 0,
        rxBytes: 0,
        txBytes: 0,
        persistentKeepalive: 0,
      };
      continue;
    }
    if (peer === undefined) {
      if (key === "private_key") {
        if (value !== ZERO_KEY) publicKey = publicKeyOf(hexKeyToBase64(value, "private_key"));
      } else if (key === "listen_port") listenPort = uint(value, "listen_port");
      else if (key === "fwmark") fwmark = uint(value, "fwmark");
      continue;
    }
    switch (key) {
      case "preshared_key":
        peer.presharedKey = value === ZERO_KEY ? null : hexKeyToBase64(value, "preshared_key");
        break;
      case "endpoint":
        peer.endpoint = value;
        break;
      case "allowed_ip":
        peer.allowedIPs.push(value);
        break;
      case "last_handshake_time_sec":
        peer.latestHandshake = uint(value, "last_handshake_time_sec");
        break;
      case "rx_bytes":
        peer.rxBytes = uint(value, "rx_bytes");
        break;
      case "tx_bytes":
        peer.txBytes = uint(value, "tx_bytes");
        break;
      case "persistent_keepalive_interval":
        peer.persistentKeepalive = uint(value, "persistent_keepalive_interval");
        break;
    }
  }
  if (errno === undefined) throw new UapiError(`get answer for ${name} ended without errno=`);
  if (errno !== 0) throw new UapiErrnoError(errno, `get ${name}`);
  finish();
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

/**
 * The `set=1` request text, ending in the blank line. Peers not listed are not touched, so
 * their sessions and counters stay; a listed peer that is not removed is created when missing.
 */
export function renderUapiSet(set: UapiDeviceSet): string {
  const out = ["set=1"];
  if (set.privateKey !== undefined) out.push(`private_key=${base64KeyToHex(set.privateKey, "private key")}`);
  if (set.listenPort !== undefined) {
    if (!Number.isInteger(set.listenPort) || set.listenPort < 0 || set.listenPort > 65535)
      throw new UapiError(`listen port ${set.listenPort} is not 0–65535`);
    out.push(`listen_port=${set.listenPort}`);
  }
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
    if (p.persistentKeepalive !== undefined) {
      const k = p.persistentKeepalive;
      if (!Number.isInteger(k) || k < 0 || k > 65535)
        throw new UapiError(`persistent keepalive ${k} is not 0–65535`);
      out.push(`persistent_keepalive_interval=${k}`);
    }
    if (p.allowedIPs !== undefined) {
      out.push("replace_allowed_ips=true");
      for (const a of p.allowedIPs) out.push(`allowed_ip=${plain(a, "allowed IP")}`);
    }
  }
  return `${out.join("\n")}\n\n`;
}
