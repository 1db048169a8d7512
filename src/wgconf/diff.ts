/**
 * Typed, printable differences between two desired states of one node, so
 * every apply and every plan can say exactly what changes
 * (`hw_corp: peer branch-sha allowedIPs 10.64.7.0/24 → 10.64.7.0/24, 10.64.8.0/24`).
 */
import type { DesiredState, InterfaceConfig, PeerConfig } from "../model/index.js";
import { added, changed, type FieldChange, fields, of, removed, show } from "./change-lines.js";

export type StateChange =
  | { readonly type: "interface-added"; readonly iface: string }
  | { readonly type: "interface-removed"; readonly iface: string }
  | ({ readonly type: "interface-changed"; readonly iface: string } & FieldChange)
  | { readonly type: "peer-added"; readonly iface: string; readonly peer: string }
  | { readonly type: "peer-removed"; readonly iface: string; readonly peer: string }
  | ({ readonly type: "peer-changed"; readonly iface: string; readonly peer: string } & FieldChange<
      keyof PeerConfig
    >)
  | { readonly type: "route-added"; readonly iface: string; readonly route: string }
  | { readonly type: "route-removed"; readonly iface: string; readonly route: string }
  | { readonly type: "firewall-changed" }
  | { readonly type: "forwarding-changed"; readonly to: boolean }
  | { readonly type: "preshared-keys-rotated"; readonly from: number; readonly to: number };

/** Every field of PeerConfig; the guard test fails when a field is added to the type but not here. */
export const PEER_FIELDS = [
  "name",
  "publicKey",
  "endpoint",
  "allowedIPs",
  "persistentKeepalive",
  "presharedKeyRef",
  "override",
] as const satisfies readonly (keyof PeerConfig)[];

/** Interface fields compared as scalars (peers and routes are compared item by item). */
export const INTERFACE_FIELDS = [
  "purpose",
  "remote",
  "priority",
  "probe",
  "listenPort",
  "addresses",
  "mtu",
] as const satisfies readonly (keyof InterfaceConfig)[];

function byName<T extends { name: string }>(items: readonly T[]): Map<string, T> {
  return new Map(items.map((i) => [i.name, i]));
}

export function diffPeers(iface: string, prev: PeerConfig, next: PeerConfig): StateChange[] {
  const out: StateChange[] = [];
  for (const field of PEER_FIELDS) {
    const a = show(prev[field]);
    const b = show(next[field]);
    if (a !== b) out.push({ type: "peer-changed", iface, peer: next.name, field, from: a, to: b });
  }
  return out;
}

function diffInterface(prev: InterfaceConfig, next: InterfaceConfig): StateChange[] {
  const iface = next.name;
  const out: StateChange[] = [];
  for (const field of INTERFACE_FIELDS) {
    const a = show(prev[field]);
    const b = show(next[field]);
    if (a !== b) out.push({ type: "interface-changed", iface, field, from: a, to: b });
  }
  const before = byName(prev.peers);
  const after = byName(next.peers);
  for (const [name, p] of after) {
    const old = before.get(name);
    if (!old) out.push({ type: "peer-added", iface, peer: name });
    else if (old !== p) out.push(...diffPeers(iface, old, p));
  }
  for (const name of before.keys())
    if (!after.has(name)) out.push({ type: "peer-removed", iface, peer: name });
  const routeKey = (r: { prefix: string; metric: number }) => `${r.prefix} metric ${r.metric}`;
  const oldRoutes = new Set(prev.routes.map(routeKey));
  const newRoutes = new Set(next.routes.map(routeKey));
  for (const r of newRoutes) if (!oldRoutes.has(r)) out.push({ type: "route-added", iface, route: r });
  for (const r of oldRoutes) if (!newRoutes.has(r)) out.push({ type: "route-removed", iface, route: r });
  return out;
}

/** Changes from `prev` to `next`; either may be absent (node added or removed). */
export function diffStates(prev: DesiredState | undefined, next: DesiredState | undefined): StateChange[] {
  if (prev?.revision !== undefined && prev.revision === next?.revision) return [];
  const out: StateChange[] = [];
  const before = byName(prev?.interfaces ?? []);
  const after = byName(next?.interfaces ?? []);
  for (const [name, iface] of after) {
    const old = before.get(name);
    if (!old) {
      out.push({ type: "interface-added", iface: name });
      for (const p of iface.peers) out.push({ type: "peer-added", iface: name, peer: p.name });
    } else out.push(...diffInterface(old, iface));
  }
  for (const name of before.keys())
    if (!after.has(name)) out.push({ type: "interface-removed", iface: name });
  if ((prev?.firewall?.script ?? "") !== (next?.firewall?.script ?? ""))
    out.push({ type: "firewall-changed" });
  if (prev && next && prev.forwarding !== next.forwarding)
    out.push({ type: "forwarding-changed", to: next.forwarding });
  const [fromGeneration, toGeneration] = [
    prev?.presharedKeyGeneration ?? 0,
    next?.presharedKeyGeneration ?? 0,
  ];
  if (prev && next && fromGeneration !== toGeneration)
    out.push({ type: "preshared-keys-rotated", from: fromGeneration, to: toGeneration });
  return out;
}

export function formatChange(c: StateChange): string {
  switch (c.type) {
    case "interface-added":
      return added(`interface ${c.iface}`);
    case "interface-removed":
      return removed(`interface ${c.iface}`);
    case "interface-changed":
      return changed(c.iface, fields([c]));
    case "peer-added":
      return added(of(c.iface, `peer ${c.peer}`));
    case "peer-removed":
      return removed(of(c.iface, `peer ${c.peer}`));
    case "peer-changed":
      return changed(c.iface, `peer ${c.peer} ${fields([c])}`);
    case "route-added":
      return added(of(c.iface, `route ${c.route}`));
    case "route-removed":
      return removed(of(c.iface, `route ${c.route}`));
    case "firewall-changed":
      return changed("firewall rules");
    case "forwarding-changed":
      return changed(`forwarding ${c.to ? "on" : "off"}`);
    case "preshared-keys-rotated":
      return changed("preshared keys", `generation ${c.from} → ${c.to}`);
  }
}
