/**
 * One node's desired state from the network plan: interfaces, peers, routes
 * and, for hubs, the firewall. Pure; the only input is the plan.
 */
import type { DesiredState, InterfaceConfig, PeerConfig, RouteConfig } from "../model/index.js";
import { formatEndpoint, formatPrefix, type Prefix } from "../netaddr/index.js";
import { withoutOwn } from "./destinations.js";
import { compileFirewall } from "./firewall.js";
import { interfaceName, linkOffset } from "./interfaces.js";
import type { NetworkPlan } from "./network-plan.js";
import type { ResolvedNode } from "./resolved.js";
import { allowsAllTraffic } from "./selectors.js";

/** Metrics: the active path 100, a spoke's uplinks 100 + priority, fallbacks above 200, mesh 50. */
export const METRIC = { mesh: 50, active: 100, direct: 200, fallback: 300 } as const;

const texts = (prefixes: readonly Prefix[]) => prefixes.map(formatPrefix);
const ownPrefixes = (n: ResolvedNode) =>
  [...texts(n.tunnelPrefixes), ...texts(n.subnets)].sort(comparePrefixText);

/** Sort order of prefix text in every output: IPv4 before IPv6, then by text. */
function comparePrefixText(a: string, b: string): number {
  const fa = a.includes(":") ? 6 : 4;
  const fb = b.includes(":") ? 6 : 4;
  if (fa !== fb) return fa - fb;
  return a < b ? -1 : a > b ? 1 : 0;
}

function pskRef(plan: NetworkPlan, a: string, b: string): string | undefined {
  if (!plan.net.spec.presharedKeys) return undefined;
  return a < b ? `${plan.net.name}.${a}.${b}` : `${plan.net.name}.${b}.${a}`;
}

function peer(fields: PeerConfig): PeerConfig {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) out[k] = v;
  return out as unknown as PeerConfig;
}

function baseInterface(plan: NetworkPlan, node: ResolvedNode, offset: number) {
  const listen = node.role !== "external" || node.endpoint || node.source.spec.listenPort !== undefined;
  return {
    listenPort: listen ? node.basePort + offset : undefined,
    addresses: texts(node.tunnelPrefixes),
    mtu: plan.net.spec.mtu,
  };
}

function keepalive(plan: NetworkPlan, node: ResolvedNode): number {
  return node.persistentKeepalive ?? plan.net.spec.persistentKeepalive;
}

/** A spoke or external node: one interface per hub, plus direct peers in a mesh. */
function spokeInterfaces(plan: NetworkPlan, node: ResolvedNode): InterfaceConfig[] {
  const dest = withoutOwn(plan.destinations.of(node), node);
  const out: InterfaceConfig[] = [];
  node.hubs.forEach((hubName, priority) => {
    const hub = plan.net.byName.get(hubName)!;
    const peers: PeerConfig[] = [];
    if (hub.publicKey && hub.endpoint) {
      peers.push(
        peer({
          name: hub.name,
          publicKey: hub.publicKey,
          endpoint: formatEndpoint(hub.endpoint.host, hub.endpoint.port),
          allowedIPs: dest,
          persistentKeepalive: keepalive(plan, node) || undefined,
          presharedKeyRef: pskRef(plan, node.name, hub.name),
        }),
      );
    }
    out.push({
      name: interfaceName("uplink", plan.net.name, hub.name),
      purpose: "uplink",
      remote: hub.name,
      priority,
      ...baseInterface(plan, node, priority),
      peers,
      routes: peers.length ? dest.map((prefix) => ({ prefix, metric: METRIC.active + priority })) : [],
    });
  });
  if (plan.net.spec.topology === "mesh" && node.role === "spoke") out.push(meshInterface(plan, node));
  return out;
}

/**
 * Direct spoke-to-spoke peers where all traffic is allowed both ways (else the
 * hub must stay in the path to enforce ports) and at least one side is
 * reachable (a peer without an endpoint cannot be dialled).
 */
function meshInterface(plan: NetworkPlan, node: ResolvedNode): InterfaceConfig {
  const peers: PeerConfig[] = [];
  const routes: RouteConfig[] = [];
  if (node.publicKey) {
    for (const other of plan.ready) {
      if (other === node || other.role !== "spoke") continue;
      if (!node.endpoint && !other.endpoint) continue;
      const { rules } = plan;
      const action = plan.net.spec.defaultAction;
      if (!allowsAllTraffic(rules, action, node, other) || !allowsAllTraffic(rules, action, other, node))
        continue;
      const allowedIPs = ownPrefixes(other);
      peers.push(
        peer({
          name: other.name,
          publicKey: other.publicKey!,
          endpoint: other.endpoint
            ? formatEndpoint(other.endpoint.host, other.endpoint.port + other.hubs.length)
            : undefined,
          allowedIPs,
          persistentKeepalive: node.endpoint ? undefined : keepalive(plan, node) || undefined,
          presharedKeyRef: pskRef(plan, node.name, other.name),
        }),
      );
      for (const prefix of allowedIPs) routes.push({ prefix, metric: METRIC.mesh });
    }
  }
  return {
    name: interfaceName("mesh", plan.net.name),
    purpose: "mesh",
    ...baseInterface(plan, node, node.hubs.length),
    peers,
    routes,
  };
}

/** A hub: one interface for its spokes, one link per other hub; routes follow each spoke's active hub. */
function hubInterfaces(plan: NetworkPlan, hub: ResolvedNode): InterfaceConfig[] {
  const spokesName = interfaceName("hub-spokes", plan.net.name);
  const linkName = (remote: string) => interfaceName("hub-link", plan.net.name, remote);
  const peers: PeerConfig[] = [];
  const spokeRoutes: RouteConfig[] = [];
  const linkRoutes = new Map<string, RouteConfig[]>(
    plan.hubNames.filter((h) => h !== hub.name).map((h) => [h, []]),
  );
  for (const n of plan.ready) {
    if (n.role === "hub") {
      if (n !== hub)
        for (const prefix of ownPrefixes(n)) linkRoutes.get(n.name)?.push({ prefix, metric: METRIC.active });
      continue;
    }
    const active = plan.activeHub(n);
    const priority = n.hubs.indexOf(hub.name);
    const own = ownPrefixes(n);
    if (priority >= 0) {
      peers.push(
        peer({
          name: n.name,
          publicKey: n.publicKey!,
          endpoint: n.endpoint ? formatEndpoint(n.endpoint.host, n.endpoint.port + priority) : undefined,
          allowedIPs: own,
          presharedKeyRef: pskRef(plan, hub.name, n.name),
        }),
      );
      const metric = active === hub.name ? METRIC.active : METRIC.direct;
      for (const prefix of own) spokeRoutes.push({ prefix, metric });
    }
    n.hubs.forEach((other, i) => {
      if (other === hub.name) return;
      const metric = other === active ? METRIC.active : METRIC.fallback + i;
      const list = linkRoutes.get(other);
      if (list) for (const prefix of own) list.push({ prefix, metric });
    });
  }
  const out: InterfaceConfig[] = [
    { name: spokesName, purpose: "hub-spokes", ...baseInterface(plan, hub, 0), peers, routes: spokeRoutes },
  ];
  const everything = plan.destinations.all().prefixes;
  for (const remote of plan.net.hubs) {
    if (remote === hub) continue;
    const linkPeers: PeerConfig[] = [];
    if (remote.publicKey && remote.endpoint) {
      linkPeers.push(
        peer({
          name: remote.name,
          publicKey: remote.publicKey,
          endpoint: formatEndpoint(
            remote.endpoint.host,
            remote.endpoint.port + linkOffset(remote.name, hub.name, plan.hubNames),
          ),
          allowedIPs: everything,
          persistentKeepalive: keepalive(plan, hub) || undefined,
          presharedKeyRef: pskRef(plan, hub.name, remote.name),
        }),
      );
    }
    out.push({
      name: linkName(remote.name),
      purpose: "hub-link",
      remote: remote.name,
      ...baseInterface(plan, hub, linkOffset(hub.name, remote.name, plan.hubNames)),
      peers: linkPeers,
      routes: linkPeers.length ? linkRoutes.get(remote.name)! : [],
    });
  }
  return out;
}

/** The node's state without its revision (see fingerprint.ts). */
export function compileNodeState(plan: NetworkPlan, node: ResolvedNode): Omit<DesiredState, "revision"> {
  const interfaces = (node.role === "hub" ? hubInterfaces(plan, node) : spokeInterfaces(plan, node)).map(
    sortInterface,
  );
  interfaces.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const state = {
    apiVersion: "hubwire/v1" as const,
    kind: "NodeConfig" as const,
    protocol: 1 as const,
    node: node.name,
    network: plan.net.name,
    role: node.role,
    forwarding: node.role === "hub",
    interfaces,
  };
  if (node.role !== "hub") return state;
  return {
    ...state,
    firewall: compileFirewall(
      plan.net,
      plan.rules,
      interfaces.map((i) => i.name),
    ),
  };
}

function sortInterface(i: InterfaceConfig): InterfaceConfig {
  const peers = [...i.peers].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const routes = [...i.routes].sort((a, b) => comparePrefixText(a.prefix, b.prefix) || a.metric - b.metric);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries({ ...i, peers, routes })) if (v !== undefined) out[k] = v;
  return out as unknown as InterfaceConfig;
}
