/**
 * Desired state → wg-quick files, one per interface. The private key is never
 * in the file: a PostUp line points `wg` at the node-local key file, which is
 * the form wg-quick documents for keeping keys out of configs. Routes are
 * explicit (Table = off) so that several interfaces can carry the same prefixes
 * with different metrics; external nodes (no agent) keep wg-quick's own routes.
 */
import type { DesiredState, InterfaceConfig } from "../model/index.js";

export interface RenderOptions {
  /** Where the node keeps its private key; default `/var/lib/hubwire/private.key` (external: `/etc/wireguard/IF.key`). */
  readonly privateKeyFile?: string;
  /** Folder of preshared keys, one `REF.psk` each; default `/var/lib/hubwire/psk`. */
  readonly presharedKeyDir?: string;
}

export interface RenderedFile {
  readonly name: string;
  readonly text: string;
}

/** Refuses anything that could break out of a config line (defence in depth; validation already refuses it). */
function safe(value: string | number): string {
  const text = String(value);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing them is the point
  if (/[\u0000-\u001f\u007f]/.test(text) || (text.includes("=") && !/^[A-Za-z0-9+/]{43}=$/.test(text))) {
    throw new Error(`refusing to render unsafe value ${JSON.stringify(text)}`);
  }
  return text;
}

function safePath(path: string): string {
  if (!/^\/[A-Za-z0-9._/-]+$/.test(path))
    throw new Error(`refusing unsafe file path ${JSON.stringify(path)}`);
  return path;
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
    `# interface ${iface.name}: ${about}. Generated; changes are overwritten.`,
  ];
  if (external && state.interfaces.length > 1) {
    lines.push("# One file per hub: bring up only one of them at a time.");
  }
  lines.push("[Interface]");
  if (iface.listenPort !== undefined) lines.push(`ListenPort = ${safe(iface.listenPort)}`);
  lines.push(`Address = ${iface.addresses.map(safe).join(", ")}`);
  lines.push(`MTU = ${safe(iface.mtu)}`);
  if (!external) lines.push("Table = off");
  lines.push(`PostUp = wg set %i private-key ${keyFile}`);
  for (const peer of iface.peers) {
    if (peer.presharedKeyRef) {
      lines.push(
        `PostUp = wg set %i peer ${safe(peer.publicKey)} preshared-key ${safePath(`${pskDir}/${peer.presharedKeyRef}.psk`)}`,
      );
    }
  }
  if (!external) {
    for (const r of iface.routes)
      lines.push(`PostUp = ip route add ${safe(r.prefix)} dev %i metric ${safe(r.metric)}`);
  }
  for (const peer of iface.peers) {
    lines.push(
      "",
      "[Peer]",
      `# ${safe(peer.name)}${peer.override ? ` (override ${safe(peer.override)})` : ""}`,
    );
    lines.push(`PublicKey = ${safe(peer.publicKey)}`);
    if (peer.endpoint) lines.push(`Endpoint = ${safe(peer.endpoint)}`);
    lines.push(`AllowedIPs = ${peer.allowedIPs.map(safe).join(", ")}`);
    if (peer.persistentKeepalive) lines.push(`PersistentKeepalive = ${safe(peer.persistentKeepalive)}`);
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
