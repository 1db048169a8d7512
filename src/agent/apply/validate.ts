/**
 * Checks a desired state before anything is applied. It comes from the controller over the
 * network and its values end up in `wg`/`ip` argv, an `ip -batch` script and an `nft` script,
 * so each value must be what its field may hold: a prefix with a newline would add an `ip`
 * command, an interface named `eth0` would hand the agent someone else's device, and a
 * firewall script with `flush ruleset` would wipe tables that are not hubwire's. Pure.
 */
import type { DesiredState } from "../../model/index.js";
import { isWgKey } from "../../model/wgkey.js";
import { parseEndpoint } from "../../netaddr/endpoint.js";
import { parsePrefix } from "../../netaddr/prefix.js";
import { isOwnedName } from "./plan.js";

const isInt = (v: unknown, min: number, max: number): boolean =>
  typeof v === "number" && Number.isInteger(v) && v >= min && v <= max;

/** Top-level lines a firewall script may have: only its own table, created, deleted, defined. */
function firewallProblems(table: string, script: string): string[] {
  if (!/^[a-z][a-z0-9_]{0,31}$/.test(table))
    return [`firewall.table ${JSON.stringify(table)} is not a table name`];
  const allowed = new Set([
    `table inet ${table}`,
    `delete table inet ${table}`,
    `table inet ${table} {`,
    "}",
    "",
  ]);
  const out: string[] = [];
  let depth = 0;
  script.split("\n").forEach((line, i) => {
    if (depth === 0 && !allowed.has(line.trimEnd()) && !line.startsWith("#"))
      out.push(`firewall.script line ${i + 1}: only table inet ${table} may be defined at top level`);
    for (const ch of line.replace(/"[^"]*"/g, "")) depth += ch === "{" ? 1 : ch === "}" ? -1 : 0;
    if (depth < 0) out.push(`firewall.script line ${i + 1}: unbalanced braces`);
  });
  if (depth !== 0) out.push("firewall.script: unbalanced braces");
  return out;
}

/** Problems with `d` as `path: what is wrong`; empty when it can be applied. */
export function validateDesiredState(d: DesiredState): string[] {
  const out: string[] = [];
  if (d.apiVersion !== "hubwire/v1" || d.kind !== "NodeConfig") out.push("not a hubwire/v1 NodeConfig");
  if (d.protocol !== 1) out.push(`protocol ${String(d.protocol)} is not supported (1)`);
  if (typeof d.forwarding !== "boolean") out.push("forwarding is not a boolean");
  if (!Array.isArray(d.interfaces)) return [...out, "interfaces is not a list"];
  const names = new Set<string>();
  d.interfaces.forEach((iface, i) => {
    const at = `interfaces[${i}]`;
    if (typeof iface.name !== "string" || !isOwnedName(iface.name) || iface.name.length > 15)
      out.push(
        `${at}.name ${JSON.stringify(iface.name)} is not a hubwire interface name (hw_… or hwx…, ≤ 15)`,
      );
    else if (names.has(iface.name)) out.push(`${at}.name ${iface.name} appears twice`);
    names.add(iface.name);
    if (iface.listenPort !== undefined && !isInt(iface.listenPort, 1, 65535))
      out.push(`${at}.listenPort must be 1–65535`);
    if (!isInt(iface.mtu, 1280, 9000)) out.push(`${at}.mtu must be 1280–9000`);
    for (const [j, a] of (iface.addresses ?? []).entries()) {
      const p = parsePrefix(a);
      if (!p.ok || !/\/(32|128)$/.test(a))
        out.push(`${at}.addresses[${j}] ${JSON.stringify(a)} is not a host address`);
    }
    const keys = new Set<string>();
    // Plain loops, and paths built only for a problem: this runs over every peer and route of
    // every delivery (10,000 of each on a big hub), nearly always finding nothing.
    const peers = iface.peers ?? [];
    for (let j = 0; j < peers.length; j++) {
      const peer = peers[j]!;
      const pat = () => `${at}.peers[${j}]`;
      if (typeof peer.publicKey !== "string" || !isWgKey(peer.publicKey))
        out.push(`${pat()}.publicKey is not a WireGuard key`);
      else if (keys.has(peer.publicKey)) out.push(`${pat()}.publicKey appears twice`);
      keys.add(peer.publicKey);
      if (
        peer.endpoint !== undefined &&
        (typeof peer.endpoint !== "string" || !parseEndpoint(peer.endpoint).ok)
      )
        out.push(`${pat()}.endpoint ${JSON.stringify(peer.endpoint)} is not host:port`);
      const allowed = peer.allowedIPs ?? [];
      for (let k = 0; k < allowed.length; k++) {
        const a = allowed[k];
        if (typeof a !== "string" || !parsePrefix(a).ok)
          out.push(`${pat()}.allowedIPs[${k}] ${JSON.stringify(a)} is not a prefix`);
      }
      if (peer.persistentKeepalive !== undefined && !isInt(peer.persistentKeepalive, 0, 65535))
        out.push(`${pat()}.persistentKeepalive must be 0–65535`);
    }
    const routes = iface.routes ?? [];
    for (let j = 0; j < routes.length; j++) {
      const r = routes[j]!;
      if (typeof r.prefix !== "string" || !parsePrefix(r.prefix).ok)
        out.push(`${at}.routes[${j}].prefix ${JSON.stringify(r.prefix)} is not a prefix`);
      if (!isInt(r.metric, 0, 4294967295)) out.push(`${at}.routes[${j}].metric must be 0–4294967295`);
    }
  });
  if (d.firewall !== undefined) out.push(...firewallProblems(d.firewall.table, d.firewall.script));
  return out;
}
