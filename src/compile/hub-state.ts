/**
 * A hub's interfaces, assembled from one fragment per other node: that node's
 * peer on the hub's spokes interface and its routes on each interface. A
 * fragment depends only on the node, the hub and the node's active hub, so it
 * is cached by node object. The assembled arrays are kept too: a change to one
 * node splices one fragment in or out instead of walking every node, and the
 * hub's revision is a hash over fragment digests, not over megabytes of JSON.
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
  /** Routes via the link to each hub, indexed like `NetworkPlan.hubNames` (arrays: this is the hot loop). */
  readonly linkRoutes: ReadonlyArray<readonly RouteConfig[] | undefined>;
  /** 16 bytes of SHA-256 over the fragment's JSON. */
  readonly digest: Buffer;
}

/** One hub's fragments in node order and their concatenation. */
interface Assembly {
  readonly order: ResolvedNode[];
  readonly fragments: Fragment[];
  readonly peers: PeerConfig[];
  readonly spokeRoutes: RouteConfig[];
  readonly linkRoutes: RouteConfig[][];
  /**
   * Per fragment, how many items it adds to each array (0: peers, 1: spoke
   * routes, 2 + h: routes via hub h). Plain number arrays: summing a prefix of
   * them is the only O(n) step of a patch, and it must stay a tight loop.
   */
  readonly counts: number[][];
  /** The fragments' digests, concatenated. */
  digests: Buffer;
}

/** One node replaced, added (no `before`) or removed (no `after`) since the last assembly. */
export interface NodeChange {
  readonly before?: ResolvedNode;
  readonly after?: ResolvedNode;
}

/** Fragments and assemblies of every hub of one network; lives as long as the network's spec is unchanged. */
export class FragmentCache {
  private readonly fragments = new Map<string, WeakMap<ResolvedNode, Fragment>>();
  readonly assemblies = new Map<string, Assembly>();

  forHub(hub: string): WeakMap<ResolvedNode, Fragment> {
    let perHub = this.fragments.get(hub);
    if (!perHub) {
      perHub = new WeakMap();
      this.fragments.set(hub, perHub);
    }
    return perHub;
  }
}

function fragmentOf(
  perHub: WeakMap<ResolvedNode, Fragment>,
  plan: NetworkPlan,
  hub: ResolvedNode,
  n: ResolvedNode,
): Fragment {
  const key = n.role === "hub" ? "" : plan.activeHub(n);
  const cached = perHub.get(n);
  if (cached !== undefined && cached.key === key) return cached;
  const built = buildFragment(plan, hub, n, key);
  const digest = createHash("sha256")
    .update(JSON.stringify([built.peer ?? null, built.spokeRoutes, built.linkRoutes]))
    .digest()
    .subarray(0, 16);
  const fragment = { ...built, key, digest };
  perHub.set(n, fragment);
  return fragment;
}

function buildFragment(plan: NetworkPlan, hub: ResolvedNode, n: ResolvedNode, active: string) {
  const own = n.ownPrefixes;
  const linkRoutes: Array<RouteConfig[] | undefined> = plan.hubNames.map(() => undefined);
  if (n.role === "hub") {
    linkRoutes[plan.hubNames.indexOf(n.name)] = own.map((prefix) => ({ prefix, metric: METRIC.active }));
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
    linkRoutes[plan.hubNames.indexOf(other)] = own.map((prefix) => ({ prefix, metric }));
  });
  return { peer: hubPeer, spokeRoutes, linkRoutes };
}

export interface HubInterfaces {
  readonly interfaces: InterfaceConfig[];
  /** Digests of every fragment, in node order: with the interface headers they determine the interfaces. */
  readonly fragmentDigests: Buffer;
}

function assembleAll(plan: NetworkPlan, hub: ResolvedNode, cache: FragmentCache): Assembly {
  const a: Assembly = {
    order: [],
    fragments: [],
    peers: [],
    spokeRoutes: [],
    linkRoutes: plan.hubNames.map(() => []),
    counts: [[], [], ...plan.hubNames.map(() => [])],
    digests: Buffer.alloc(0),
  };
  const perHub = cache.forHub(hub.name);
  const hubCount = plan.hubNames.length;
  for (const n of plan.ready) {
    if (n === hub) continue;
    const f = fragmentOf(perHub, plan, hub, n);
    a.order.push(n);
    a.fragments.push(f);
    pushCounts(a.counts, f, hubCount);
    if (f.peer !== undefined) a.peers.push(f.peer);
    for (let i = 0; i < f.spokeRoutes.length; i++) a.spokeRoutes.push(f.spokeRoutes[i]!);
    for (let h = 0; h < hubCount; h++) {
      const routes = f.linkRoutes[h];
      if (routes === undefined) continue;
      const list = a.linkRoutes[h]!;
      for (let i = 0; i < routes.length; i++) list.push(routes[i]!);
    }
  }
  a.digests = Buffer.concat(a.fragments.map((f) => f.digest));
  return a;
}

function countsOf(f: Fragment, hubCount: number): number[] {
  const out = [f.peer === undefined ? 0 : 1, f.spokeRoutes.length];
  for (let h = 0; h < hubCount; h++) out.push(f.linkRoutes[h]?.length ?? 0);
  return out;
}

function pushCounts(counts: number[][], f: Fragment, hubCount: number): void {
  const c = countsOf(f, hubCount);
  for (let k = 0; k < c.length; k++) counts[k]!.push(c[k]!);
}

/** Where fragment `index` starts in each concatenated array. */
function offsetsOf(counts: readonly number[][], index: number): number[] {
  return counts.map((list) => {
    let sum = 0;
    for (let i = 0; i < index; i++) sum += list[i]!;
    return sum;
  });
}

function lowerBound(order: readonly ResolvedNode[], name: string): number {
  let lo = 0;
  let hi = order.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (order[mid]!.name < name) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The previous assembly with one node's fragment swapped: O(log n) search, then array moves. */
function patch(
  prev: Assembly,
  plan: NetworkPlan,
  hub: ResolvedNode,
  cache: FragmentCache,
  change: NodeChange,
): Assembly {
  const hubCount = plan.hubNames.length;
  const name = (change.after ?? change.before)!.name;
  const index = lowerBound(prev.order, name);
  const present = prev.order[index]?.name === name;
  const removed = present ? prev.fragments[index] : undefined;
  const keep = change.after !== undefined && change.after.publicKey !== undefined && change.after !== hub;
  const added = keep ? fragmentOf(cache.forHub(hub.name), plan, hub, change.after!) : undefined;
  const drop = present ? 1 : 0;
  const at = offsetsOf(prev.counts, index);
  const before = removed ? countsOf(removed, hubCount) : new Array<number>(2 + hubCount).fill(0);
  const swap = <T>(list: readonly T[], start: number, remove: number, insert: readonly T[]): T[] => {
    const out = list.slice();
    out.splice(start, remove, ...insert);
    return out;
  };
  const d = 16;
  return {
    order: swap(prev.order, index, drop, added ? [change.after!] : []),
    fragments: swap(prev.fragments, index, drop, added ? [added] : []),
    peers: swap(prev.peers, at[0]!, before[0]!, added?.peer ? [added.peer] : []),
    spokeRoutes: swap(prev.spokeRoutes, at[1]!, before[1]!, added?.spokeRoutes ?? []),
    linkRoutes: prev.linkRoutes.map((l, h) =>
      swap(l, at[2 + h]!, before[2 + h]!, added?.linkRoutes[h] ?? []),
    ),
    counts: prev.counts.map((list, k) =>
      swap(list, index, drop, added ? [countsOf(added, hubCount)[k]!] : []),
    ),
    digests: Buffer.concat([
      prev.digests.subarray(0, index * d),
      ...(added ? [added.digest] : []),
      prev.digests.subarray((index + drop) * d),
    ]),
  };
}

/**
 * A hub: one interface for its spokes, one link per other hub. Routes to a
 * spoke go where the spoke is active (metric 100); other paths stay as
 * fallbacks with higher metrics for the agent's failover. With `change`, the
 * previous assembly of this hub is patched instead of rebuilt (the caller
 * guarantees nothing else changed since).
 */
export function hubInterfaces(
  plan: NetworkPlan,
  hub: ResolvedNode,
  cache: FragmentCache,
  change?: NodeChange,
): HubInterfaces {
  const prev = cache.assemblies.get(hub.name);
  const a = prev && change ? patch(prev, plan, hub, cache, change) : assembleAll(plan, hub, cache);
  cache.assemblies.set(hub.name, a);
  const interfaces: InterfaceConfig[] = [
    {
      name: interfaceName("hub-spokes", plan.net.name),
      purpose: "hub-spokes",
      ...baseInterface(plan, hub, 0),
      peers: a.peers,
      routes: a.spokeRoutes,
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
      routes: linkPeers.length ? a.linkRoutes[plan.hubNames.indexOf(remote.name)]! : [],
    });
  }
  return { interfaces, fragmentDigests: a.digests };
}
