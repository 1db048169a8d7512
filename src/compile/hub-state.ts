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
import { lowerBoundByName } from "./sorted.js";

interface Fragment {
  readonly key: string;
  readonly peer?: PeerConfig;
  readonly spokeRoutes: readonly RouteConfig[];
  /** Routes via the link to each hub, indexed like `NetworkPlan.hubNames` (arrays: this is the hot loop). */
  readonly linkRoutes: ReadonlyArray<readonly RouteConfig[] | undefined>;
  /**
   * Stands for the fragment's content within its hub: the node's digests (see
   * nodeDigest) and its active hub. A fragment is a function of exactly these,
   * the hub and the network spec, so equal digests mean equal fragments — at
   * two hashes per node instead of a serialisation and hash per node per hub.
   */
  readonly digest: string;
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
  digests: string;
  /** Hash of each block of BLOCK fragments' digests; undefined: not computed since it changed. */
  readonly blockHashes: Array<string | undefined>;
}

/**
 * Fragments per hashed block. A hub's revision hashes block hashes, so a patch
 * rehashes one block (a node replaced) or the blocks from the change on (a
 * node added or removed shifts the rest) instead of every digest.
 */
const BLOCK = 256;

/** Block hashes after a patch at `index`: a replacement stales one block, an insert or removal all from there. */
function inPlaceBlocks(
  blocks: Array<string | undefined>,
  index: number,
  replaced: boolean,
): Array<string | undefined> {
  const first = Math.floor(index / BLOCK);
  if (replaced) blocks[first] = undefined;
  else blocks.length = first;
  return blocks;
}

/** Concatenated block hashes: the part of a hub's revision that stands for all its fragments. */
function blocksDigest(a: Assembly): string {
  const count = Math.ceil(a.fragments.length / BLOCK);
  const width = BLOCK * DIGEST_LENGTH;
  let out = "";
  for (let b = 0; b < count; b++) {
    let h = a.blockHashes[b];
    if (h === undefined) {
      h = createHash("sha256")
        .update(a.digests.slice(b * width, (b + 1) * width))
        .digest("base64");
      a.blockHashes[b] = h;
    }
    out += h;
  }
  return out;
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

/** Fragment digests have a fixed length, so a patch can splice the concatenation by offset. */
const DIGEST_LENGTH = 22 + 22 + 3;
const NO_PEER = "-".repeat(22);

const nodeDigests = new WeakMap<ResolvedNode, { routing: string; peer: string }>();

/**
 * Digests of exactly the fields a hub fragment reads: `routing` (prefixes and
 * hub order: every hub's routes) and `peer` (name, key, endpoint: only hubs
 * the node dials). A field no fragment reads, such as labels, is in neither,
 * so changing it never changes a hub's revision.
 */
function nodeDigest(n: ResolvedNode): { routing: string; peer: string } {
  let d = nodeDigests.get(n);
  if (d === undefined) {
    const hash = (text: string) => createHash("sha256").update(text).digest("base64").slice(0, 22);
    const e = n.endpoint;
    d = {
      routing: hash([n.role === "hub" ? "hub" : "", n.hubs.join(","), ...n.ownPrefixes].join("\n")),
      peer: hash([n.name, n.publicKey ?? "", e ? `${e.host}:${e.port}` : ""].join("\n")),
    };
    nodeDigests.set(n, d);
  }
  return d;
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
  const d = nodeDigest(n);
  const active = (plan.hubNames.indexOf(key) + 1).toString(36).padStart(3, "0");
  const fragment = { ...built, key, digest: `${d.routing}${built.peer ? d.peer : NO_PEER}${active}` };
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
  /** Stands for every fragment, in node order: with the interface headers it determines the interfaces. */
  readonly fragmentDigests: string;
}

function assembleAll(plan: NetworkPlan, hub: ResolvedNode, cache: FragmentCache): Assembly {
  const a: Assembly = {
    order: [],
    fragments: [],
    peers: [],
    spokeRoutes: [],
    linkRoutes: plan.hubNames.map(() => []),
    counts: [[], [], ...plan.hubNames.map(() => [])],
    digests: "",
    blockHashes: [],
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
  a.digests = a.fragments.map((f) => f.digest).join("");
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
  const index = lowerBoundByName(prev.order, name);
  const present = prev.order[index]?.name === name;
  const removed = present ? prev.fragments[index] : undefined;
  const keep = change.after !== undefined && change.after.publicKey !== undefined && change.after !== hub;
  const added = keep ? fragmentOf(cache.forHub(hub.name), plan, hub, change.after!) : undefined;
  const drop = present ? 1 : 0;
  const at = offsetsOf(prev.counts, index);
  const before = removed ? countsOf(removed, hubCount) : new Array<number>(2 + hubCount).fill(0);
  const inPlace = <T>(list: T[], start: number, remove: number, insert: readonly T[]): T[] => {
    list.splice(start, remove, ...insert);
    return list;
  };
  const swap = <T>(list: readonly T[], start: number, remove: number, insert: readonly T[]): T[] => {
    const out = list.slice();
    out.splice(start, remove, ...insert);
    return out;
  };
  return {
    // order, fragments and counts are internal: patched in place. The rest are
    // handed out in states and must not change under their holders: copied.
    order: inPlace(prev.order, index, drop, added ? [change.after!] : []),
    fragments: inPlace(prev.fragments, index, drop, added ? [added] : []),
    peers: swap(prev.peers, at[0]!, before[0]!, added?.peer ? [added.peer] : []),
    spokeRoutes: swap(prev.spokeRoutes, at[1]!, before[1]!, added?.spokeRoutes ?? []),
    linkRoutes: prev.linkRoutes.map((l, h) =>
      swap(l, at[2 + h]!, before[2 + h]!, added?.linkRoutes[h] ?? []),
    ),
    counts: prev.counts.map((list, k) =>
      inPlace(list, index, drop, added ? [countsOf(added, hubCount)[k]!] : []),
    ),
    blockHashes: inPlaceBlocks(prev.blockHashes, index, drop === 1 && added !== undefined),
    digests:
      prev.digests.slice(0, index * DIGEST_LENGTH) +
      (added?.digest ?? "") +
      prev.digests.slice((index + drop) * DIGEST_LENGTH),
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
  return { interfaces, fragmentDigests: blocksDigest(a) };
}
