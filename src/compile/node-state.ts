/**
 * A spoke's or external node's interfaces: one uplink per hub, and in a mesh
 * network direct peers. Pure; the only input is the network plan.
 */
import { byteOrder, type InterfaceConfig, type PeerConfig, type RouteConfig } from "../model/index.js";
import { formatEndpoint } from "../netaddr/index.js";
import { withoutOwn } from "./destinations.js";
import { interfaceName } from "./interfaces.js";
import type { NetworkPlan } from "./network-plan.js";
import { baseInterface, keepalive, METRIC, peer, probeAddress, pskRef, sharedRoutes } from "./peers.js";
import type { ResolvedNode } from "./resolved.js";
import { allowsAllTraffic } from "./selectors.js";

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
      ...(peers.length ? { probe: probeAddress(hub) } : {}),
      ...baseInterface(plan, node, priority),
      peers,
      routes: peers.length ? sharedRoutes(dest, dest, METRIC.active + priority) : [],
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
      const allowedIPs = other.ownPrefixes;
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

/** A spoke's or external node's interfaces, sorted by name. */
export function nodeInterfaces(plan: NetworkPlan, node: ResolvedNode): InterfaceConfig[] {
  return sortByName(spokeInterfaces(plan, node).map(compact));
}

export function sortByName<T extends { name: string }>(items: T[]): T[] {
  return items.sort((a, b) => byteOrder(a.name, b.name));
}

/** Drops undefined fields so that JSON and equality see only what is set. */
export function compact(i: InterfaceConfig): InterfaceConfig {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(i)) if (v !== undefined) out[k] = v;
  return out as unknown as InterfaceConfig;
}
