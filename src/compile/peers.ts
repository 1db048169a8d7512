/** Small builders shared by the spoke and hub compilers. */
import type { PeerConfig, RouteConfig } from "../model/index.js";
import { formatIp, formatPrefix } from "../netaddr/index.js";
import type { NetworkPlan } from "./network-plan.js";
import type { ResolvedNode } from "./resolved.js";

/** Metrics: the active path 100, a spoke's uplinks 100 + priority, direct-but-inactive 200, fallbacks 300+, mesh 50. */
export const METRIC = { mesh: 50, active: 100, direct: 200, fallback: 300 } as const;

/** Name of the preshared key of a pair of nodes (same on both sides); absent when the network has none. */
export function pskRef(plan: NetworkPlan, a: string, b: string): string | undefined {
  if (!plan.net.spec.presharedKeys) return undefined;
  return a < b ? `${plan.net.name}.${a}.${b}` : `${plan.net.name}.${b}.${a}`;
}

/** A peer without undefined fields, so JSON and equality see only what is set. */
export function peer(fields: PeerConfig): PeerConfig {
  // Written out field by field (in PeerConfig's order): this runs once per peer per hub.
  const out = { name: fields.name, publicKey: fields.publicKey } as {
    -readonly [K in keyof PeerConfig]: PeerConfig[K];
  };
  if (fields.endpoint !== undefined) out.endpoint = fields.endpoint;
  out.allowedIPs = fields.allowedIPs;
  if (fields.persistentKeepalive !== undefined) out.persistentKeepalive = fields.persistentKeepalive;
  if (fields.presharedKeyRef !== undefined) out.presharedKeyRef = fields.presharedKeyRef;
  if (fields.override !== undefined) out.override = fields.override;
  return out;
}

export function baseInterface(plan: NetworkPlan, node: ResolvedNode, offset: number) {
  const listen = node.role !== "external" || node.endpoint || node.source.spec.listenPort !== undefined;
  return {
    listenPort: listen ? node.basePort + offset : undefined,
    addresses: node.tunnelPrefixes.map(formatPrefix),
    mtu: plan.net.spec.mtu,
  };
}

export function keepalive(plan: NetworkPlan, node: ResolvedNode): number {
  return node.persistentKeepalive ?? plan.net.spec.persistentKeepalive;
}

/** The address failover probes on a link to `hub`: its IPv4 tunnel address (every node has one). */
export function probeAddress(hub: ResolvedNode): string {
  return formatIp({ family: 4, value: hub.address4 });
}

const routeLists = new WeakMap<object, Map<number, readonly RouteConfig[]>>();

/**
 * `prefixes` as routes at `metric`, one (immutable) array per `owner` and metric: whatever shares
 * an owner shares the route objects — every hub routing a node's prefixes, every spoke of one
 * destination class — instead of allocating (and hashing, see fingerprint.ts) a copy each.
 */
export function sharedRoutes(
  owner: object,
  prefixes: readonly string[],
  metric: number,
): readonly RouteConfig[] {
  let byMetric = routeLists.get(owner);
  if (!byMetric) {
    byMetric = new Map();
    routeLists.set(owner, byMetric);
  }
  let routes = byMetric.get(metric);
  if (!routes) {
    routes = prefixes.map((prefix) => ({ prefix, metric }));
    byMetric.set(metric, routes);
  }
  return routes;
}
