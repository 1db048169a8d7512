/**
 * Parser for `wg show IFNAME dump` and `wg show all dump`: the live WireGuard state the agent
 * compares its desired state with. Pure. The private key column is read past and never kept,
 * so a parsed dump can be logged or reported without leaking it.
 */

/** One peer as the device reports it. */
export interface LivePeer {
  readonly publicKey: string;
  /** The preshared key in base64; null when none is set. */
  readonly presharedKey: string | null;
  /** `ip:port` (`[v6]:port`) the device sends to; null until known. */
  readonly endpoint: string | null;
  /** As the device holds them, sorted; empty when none. */
  readonly allowedIPs: readonly string[];
  /** Unix seconds of the last handshake; 0 = never. */
  readonly latestHandshake: number;
  readonly rxBytes: number;
  readonly txBytes: number;
  /** Seconds; 0 = off. */
  readonly persistentKeepalive: number;
}

/** A {@link LivePeer} while a parser fills it in. */
export type LivePeerDraft = {
  -readonly [K in keyof LivePeer]: LivePeer[K] extends readonly (infer E)[] ? E[] : LivePeer[K];
};

/**
 * A peer as a device holds it before anything is known or set: no preshared key, endpoint or
 * allowed IPs, never a handshake or a byte, keepalive off. A fresh object each call (parsers
 * fill it in).
 */
export function idlePeer(publicKey: string): LivePeerDraft {
  return {
    publicKey,
    presharedKey: null,
    endpoint: null,
    allowedIPs: [],
    latestHandshake: 0,
    rxBytes: 0,
    txBytes: 0,
    persistentKeepalive: 0,
  };
}

/** One interface as the device reports it. */
export interface LiveDevice {
  readonly name: string;
  /** Public key of the configured private key; null when no private key is set. */
  readonly publicKey: string | null;
  /** 0 when the device has not bound a port yet. */
  readonly listenPort: number;
  /** 0 = off. */
  readonly fwmark: number;
  readonly peers: readonly LivePeer[];
}

/** A dump line that does not have the shape `wg` prints; names the line. */
export class WgDumpError extends Error {
  readonly code = "wg-dump-invalid";
  constructor(line: number, why: string) {
    super(`wg show dump, line ${line}: ${why}`);
    this.name = "WgDumpError";
  }
}

const none = (v: string): string | null => (v === "(none)" || v === "" ? null : v);

function int(v: string, line: number, what: string): number {
  if (v === "off") return 0;
  if (!/^\d+$/.test(v)) throw new WgDumpError(line, `${what} ${JSON.stringify(v)} is not a number`);
  return Number(v);
}

function parsePeer(f: readonly string[], line: number): LivePeer {
  const [publicKey, psk, endpoint, allowed, handshake, rx, tx, keepalive] = f as string[];
  return {
    publicKey: publicKey!,
    presharedKey: none(psk!),
    endpoint: none(endpoint!),
    allowedIPs: allowed === "(none)" || allowed === "" ? [] : allowed!.split(",").sort(),
    latestHandshake: int(handshake!, line, "latest handshake"),
    rxBytes: int(rx!, line, "rx bytes"),
    txBytes: int(tx!, line, "tx bytes"),
    persistentKeepalive: int(keepalive!, line, "persistent keepalive"),
  };
}

/**
 * Parses dump text. With `name` the text is `wg show NAME dump` (no interface column);
 * without, it is `wg show all dump`, whose every line starts with the interface name.
 * Interface lines have 4 fields (private key, public key, port, fwmark), peer lines 8.
 */
export function parseWgDump(text: string, name?: string): LiveDevice[] {
  const devices: {
    name: string;
    publicKey: string | null;
    listenPort: number;
    fwmark: number;
    peers: LivePeer[];
  }[] = [];
  const lines = text.split("\n");
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === "") return;
    const fields = raw.split("\t");
    const dev = name ?? fields.shift()!;
    const current = devices.at(-1);
    if (fields.length === 4 && (current === undefined || current.name !== dev || name !== undefined)) {
      if (name !== undefined && current !== undefined)
        throw new WgDumpError(line, "a second interface line in a one-interface dump");
      devices.push({
        name: dev,
        publicKey: none(fields[1]!),
        listenPort: int(fields[2]!, line, "listen port"),
        fwmark: int(fields[3]!, line, "fwmark"),
        peers: [],
      });
      return;
    }
    if (fields.length !== 8)
      throw new WgDumpError(line, `expected 4 or 8 tab-separated fields, got ${fields.length}`);
    if (current === undefined || current.name !== dev)
      throw new WgDumpError(line, `peer line for ${dev} before its interface line`);
    current.peers.push(parsePeer(fields, line));
  });
  return devices;
}
