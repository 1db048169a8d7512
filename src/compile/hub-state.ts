/**
 * A hub's interfaces, assembled from one fragment per other node: that node's
 * peer on the hub's spokes interface and its routes on each interface. A
 * fragment depends only on the node, the hub and the node's active hub, so it
 * is cached by node object: an update that changes one spoke rebuilds one
 * fragment per hub and re-concatenates the rest, and the hub's revision is a
 * hash over fragment digests rather than over megabytes of JSON.
 */
import { createHash } from "node:crypto";
import type { InterfaceConfig, PeerConfig, RouteConfig } from "../model/index.js";
import { formatEndpoint } from "../netaddr/index.js";
import { interfaceName, linkOffset } from "./interfaces.js";
import type { NetworkPlan } from "./network-plan.js";
import { baseInterface, keepalive, METRIC, peer, pskRef } from "./peers.js";
import type { ResolvedNode } from "./resolved.js";

interface Fragment {
  readonly key: string;
  readonly peer?: PeerConfig;
  readonly spokeRoutes: readonly RouteConfig[];
  /** Routes via the link to each other hub, by hub name. */
  readonly linkRoutes: ReadonlyMap<string, readonly RouteConfig[]>;
  readonly digest: string;
}

/** Fragments of every hub, by hub name then node object. Lives as long as the network's spec is unchanged. */
export class FragmentCache {
  private readonly hubs = new Map<string, WeakMap<ResolvedNode, Fragment>>();

  get(hub: string, node: ResolvedNode, key: string, build: () => Omit<Fragment, "key" | "digest">): Fragment {
    let perHub = this.hubs.get(hub);
    if (!perHub) {
      perHub = new WeakMap();
      this.hubs.set(hub, perHub);
    }
    const cached = perHub.get(node);
    if (cached && cached.key === key) return cached;
    const built = build();
    const digest = createHash("sha256")
      .update(JSON.stringify([built.peer ?? null, built.spokeRoutes, [...built.linkRoutes]]))
      .digest("base64");
    const fragment = { ...built, key, digest };
    perHub.set(node, fragment);
    return fragment;
  }
}

function buildFragment(plan: NetworkPlan, hub: ResolvedNode, n: ResolvedNode, active: string) {
  const own = n.ownPrefixes;
  const linkRoutes = new Map<string, RouteConfig[]>();
  if (n.role === "hub") {
    linkRoutes.set(
      n.name,
      own.map((prefix) => ({ prefix, metric: METRIC.active })),
    );
    return { spokeRoutes: [], linkRoutes };
  }
  const priority = n.hubs.indexOf(hub.name);
  let hubPeer: PeerConfig | undefined;
  let spokeRoutes: RouteConfig[] = [];
  if (priority >= 0) {
    hubPeer = peer({
      name: n.name,
      publicKey: n.publicKey!,
      endpoint: n.endpoint ? formatEndpoint(n.endpoint.host, n.endpoint.port + priority) : undefined,
      allowedIPs: own,
      presharedKeyRef: pskRef(plan, hub.name, n.name),
    });
    const metric = active === hub.name ? METRIC.active : METRIC.direct;
    spokeRoutes = own.map((prefix) => ({ prefix, metric }));
  }
  n.hubs.forEach((other, i) => {
    if (other === hub.name) return;
    const metric = other === active ? METRIC.active : METRIC.fallback + i;
    linkRoutes.set(
      other,
      own.map((prefix) => ({ prefix, metric })),
    );
  });
  return { peer: hubPeer, spokeRoutes, linkRoutes };
}

export interface HubInterfaces {
  readonly interfaces: InterfaceConfig[];
  /** Digests of every fragment, in node order: with the interface headers they determine the interfaces. */
  readonly fragmentDigests: readonly string[];
}

/**
 * A hub: one interface for its spokes, one link per other hub. Routes to a
 * spoke go where the spoke is active (metric 100); other paths stay as
 * fallbacks with higher metrics for the agent's failover.
 */
export function hubInterfaces(plan: NetworkPlan, hub: ResolvedNode, cache: FragmentCache): HubInterfaces {
  const peers: PeerConfig[] = [];
  const spokeRoutes: RouteConfig[] = [];
  const linkRoutes = new Map<string, RouteConfig[]>(
    plan.hubNames.filter((h) => h !== hub.name).map((h) => [h, []]),
  );
  const fragmentDigests: string[] = [];
  for (const n of plan.ready) {
    if (n === hub) continue;
    const active = n.role === "hub" ? "" : plan.activeHub(n);
    const f = cache.get(hub.name, n, active, () => buildFragment(plan, hub, n, active));
    fragmentDigests.push(f.digest);
    if (f.peer) peers.push(f.peer);
    for (const r of f.spokeRoutes) spokeRoutes.push(r);
    for (const [remote, routes] of f.linkRoutes) {
      const list = linkRoutes.get(remote);
      if (list) for (const r of routes) list.push(r);
    }
  }
  const interfaces: InterfaceConfig[] = [
    {
      name: interfaceName("hub-spokes", plan.net.name),
      purpose: "hub-spokes",
      ...baseInterface(plan, hub, 0),
      peers,
      routes: spokeRoutes,
    },
  ];
  // Hubs trust each other and routes are explicit (kernel table, by metric), so a
  // link accepts any source; this keeps links independent of spoke churn.
  const anywhere = plan.net.cidr6 ? ["0.0.0.0/0", "::/0"] : ["0.0.0.0/0"];
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
          allowedIPs: anywhere,
          persistentKeepalive: keepalive(plan, hub) || undefined,
          presharedKeyRef: pskRef(plan, hub.name, remote.name),
        }),
      );
    }
    interfaces.push({
      name: interfaceName("hub-link", plan.net.name, remote.name),
      purpose: "hub-link",
      remote: remote.name,
      ...baseInterface(plan, hub, linkOffset(hub.name, remote.name, plan.hubNames)),
      peers: linkPeers,
      routes: linkPeers.length ? linkRoutes.get(remote.name)! : [],
    });
  }
  return { interfaces, fragmentDigests };
}
