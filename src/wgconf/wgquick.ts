/**
 * Desired state → wg-quick files, one per interface. The private key is never
 * in the file: a PostUp line points `wg` at the node-local key file, which is
 * the form wg-quick documents for keeping keys out of configs. Routes are
 * explicit (Table = off) so that several interfaces can carry the same prefixes
 * with different metrics; external nodes (no agent) keep wg-quick's own routes.
 */
import type { DesiredState, InterfaceConfig } from "../model/index.js";

/**
 * What an external device's owner pastes over in place of its private key. WireGuard's apps
 * (Android, iOS, macOS, Windows) run no PostUp lines, so a file for them must carry the key itself.
 */
export const PRIVATE_KEY_PLACEHOLDER = "<paste this device's private key here>";

export interface RenderOptions {
  /** Where the node keeps its private key; default `/var/lib/hubwire/private.key` (external: `/etc/wireguard/IF.key`). */
  readonly privateKeyFile?: string;
  /**
   * Write `PrivateKey = VALUE` instead of loading the key from `privateKeyFile`: a private key (a
   * generated pair, shown once) or PRIVATE_KEY_PLACEHOLDER. Absent: the key file's PostUp line.
   */
  readonly inlinePrivateKey?: string;
  /** Folder of preshared keys, one `REF.psk` each; default `/var/lib/hubwire/psk`. */
  readonly presharedKeyDir?: string;
  /**
   * The preshared keys themselves, by `presharedKeyRef`: written as `PresharedKey` lines of their
   * peers instead of loading files. For devices without an agent (external peers), which get the
   * file as a secret download and never have the controller's key folder. Absent: files.
   */
  readonly presharedKeys?: Readonly<Record<string, string>>;
}

export interface RenderedFile {
  readonly name: string;
  readonly text: string;
}

/**
 * Every value is checked against what its field may hold before it is written:
 * wg-quick runs PostUp lines through bash, so a value that passed intent
 * validation by mistake must still never become a command (defence in depth).
 */
const FIELD: Record<string, RegExp> = {
  key: /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/,
  prefix: /^[0-9a-fA-F:.]{2,39}\/[0-9]{1,3}$/,
  number: /^[0-9]{1,6}$/,
  endpoint: /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):[0-9]{1,5}$/,
  name: /^[a-z0-9][a-z0-9.-]{0,200}$/,
  ifname: /^[a-zA-Z0-9_=+.-]{1,15}$/,
};

function safe(kind: keyof typeof FIELD, value: string | number): string {
  const text = String(value);
  if (!FIELD[kind]!.test(text))
    throw new Error(`refusing to render unsafe value ${JSON.stringify(text)} as ${kind}`);
  return text;
}

function safePath(path: string): string {
  if (!/^\/[A-Za-z0-9._/-]+$/.test(path))
    throw new Error(`refusing unsafe file path ${JSON.stringify(path)}`);
  return path;
}

/** The key file of a preshared-key reference; the reference may not climb out of the folder. */
function pskPath(dir: string, ref: string): string {
  if (!FIELD.name!.test(ref) || ref.includes(".."))
    throw new Error(`refusing unsafe file path for key ${JSON.stringify(ref)}`);
  return safePath(`${dir}/${ref}.psk`);
}

export function renderInterface(
  state: DesiredState,
  iface: InterfaceConfig,
  options: RenderOptions = {},
): string {
  const external = state.role === "external";
  const keyFile = safePath(
    options.privateKeyFile ??
      (external ? `/etc/wireguard/${iface.name}.key` : "/var/lib/hubwire/private.key"),
  );
  const pskDir = safePath(options.presharedKeyDir ?? "/var/lib/hubwire/psk");
  const about =
    iface.purpose === "uplink"
      ? `uplink to hub ${iface.remote} (priority ${iface.priority})`
      : iface.purpose === "hub-link"
        ? `link to hub ${iface.remote}`
        : iface.purpose === "hub-spokes"
          ? "spokes of this hub"
          : "direct mesh peers";
  const lines = [
    `# hubwire: node ${state.node}, network ${state.network}, revision ${state.revision}`,
    `# interface ${iface.name}: ${about}${iface.probe ? `, probed at ${iface.probe}` : ""}. Generated; changes are overwritten.`,
  ];
  if (external && state.interfaces.length > 1) {
    lines.push("# One file per hub: bring up only one of them at a time.");
  }
  lines.push("[Interface]");
  if (iface.listenPort !== undefined) lines.push(`ListenPort = ${safe("number", iface.listenPort)}`);
  lines.push(`Address = ${iface.addresses.map((a) => safe("prefix", a)).join(", ")}`);
  lines.push(`MTU = ${safe("number", iface.mtu)}`);
  if (!external) lines.push("Table = off");
  if (options.inlinePrivateKey !== undefined) {
    const value = options.inlinePrivateKey;
    if (value === PRIVATE_KEY_PLACEHOLDER)
      lines.push("# Replace the placeholder with this device's private key.");
    lines.push(`PrivateKey = ${value === PRIVATE_KEY_PLACEHOLDER ? value : safe("key", value)}`);
  } else lines.push(`PostUp = wg set %i private-key ${keyFile}`);
  const inlineKey = (ref: string | undefined) =>
    ref === undefined ? undefined : options.presharedKeys?.[ref];
  for (const peer of iface.peers) {
    if (peer.presharedKeyRef && options.presharedKeys) {
      if (inlineKey(peer.presharedKeyRef) === undefined)
        throw new Error(`no preshared key given for ${JSON.stringify(peer.presharedKeyRef)}`);
    } else if (peer.presharedKeyRef) {
      lines.push(
        `PostUp = wg set %i peer ${safe("key", peer.publicKey)} preshared-key ${pskPath(pskDir, peer.presharedKeyRef)}`,
      );
    }
  }
  if (!external) {
    for (const r of iface.routes)
      lines.push(
        `PostUp = ip route add ${safe("prefix", r.prefix)} dev %i metric ${safe("number", r.metric)}`,
      );
  }
  for (const peer of iface.peers) {
    lines.push(
      "",
      "[Peer]",
      `# ${safe("name", peer.name)}${peer.override ? ` (override ${safe("name", peer.override)})` : ""}`,
    );
    lines.push(`PublicKey = ${safe("key", peer.publicKey)}`);
    const psk = inlineKey(peer.presharedKeyRef);
    if (psk !== undefined) lines.push(`PresharedKey = ${safe("key", psk)}`);
    if (peer.endpoint) lines.push(`Endpoint = ${safe("endpoint", peer.endpoint)}`);
    lines.push(`AllowedIPs = ${peer.allowedIPs.map((a) => safe("prefix", a)).join(", ")}`);
    if (peer.persistentKeepalive)
      lines.push(`PersistentKeepalive = ${safe("number", peer.persistentKeepalive)}`);
  }
  return `${lines.join("\n")}\n`;
}

/** Every interface of the node as `IFNAME.conf`, in name order. */
export function renderWgQuick(state: DesiredState, options: RenderOptions = {}): RenderedFile[] {
  return state.interfaces.map((iface) => ({
    name: `${iface.name}.conf`,
    text: renderInterface(state, iface, options),
  }));
}

/** The agent's JSON form: stable key order, two-space indent, trailing newline. */
export function renderJson(state: DesiredState): string {
  return `${JSON.stringify(state, null, 2)}\n`;
}
