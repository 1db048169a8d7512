/**
 * Hub fragments: one per (hub, other node) — the node's peer on the hub's
 * spokes interface and its routes on each of the hub's interfaces. A fragment
 * depends only on the node, the hub, the node's active hub and the network
 * spec, so it is cached by node object and identified by a short digest.
 */
import { createHash } from "node:crypto";
import type { PeerConfig, RouteConfig } from "../model/index.js";
import { formatEndpoint } from "../netaddr/index.js";
import type { NetworkPlan } from "./network-plan.js";
import { METRIC, peer, pskRef, sharedRoutes } from "./peers.js";
import type { ResolvedNode } from "./resolved.js";

export interface Fragment {
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

/**
 * One node replaced, added (no `before`) or removed (no `after`) since the last assembly; neither:
 * no fragment changed (a network field no fragment carries, see network-fields.ts).
 */
export interface NodeChange {
  readonly before?: ResolvedNode;
  readonly after?: ResolvedNode;
}

// Fragment digests have a fixed length (22 + 22 + 3), so a block's concatenation is unambiguous.
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

/**
 * The node's prefixes as routes with one metric. Every hub routes a node's
 * prefixes at one of a few metrics, so the (immutable) route objects are shared
 * across hubs instead of allocated per hub: at 10,000 spokes that is most of
 * the garbage a full compile would make.
 */
function routesAt(n: ResolvedNode, metric: number): readonly RouteConfig[] {
  return sharedRoutes(n, n.ownPrefixes, metric);
}

export function fragmentOf(
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
  const linkRoutes: Array<readonly RouteConfig[] | undefined> = plan.hubNames.map(() => undefined);
  if (n.role === "hub") {
    linkRoutes[plan.hubNames.indexOf(n.name)] = routesAt(n, METRIC.active);
    return { spokeRoutes: [], linkRoutes };
  }
  const priority = n.hubs.indexOf(hub.name);
  let hubPeer: PeerConfig | undefined;
  let spokeRoutes: readonly RouteConfig[] = [];
  if (priority >= 0) {
    hubPeer = peer({
      name: n.name,
      publicKey: n.publicKey!,
      endpoint: n.endpoint ? formatEndpoint(n.endpoint.host, n.endpoint.port + priority) : undefined,
      allowedIPs: own,
      presharedKeyRef: pskRef(plan, hub.name, n.name),
    });
    const metric = active === hub.name ? METRIC.active : METRIC.direct;
    spokeRoutes = routesAt(n, metric);
  }
  n.hubs.forEach((other, i) => {
    if (other === hub.name) return;
    const metric = other === active ? METRIC.active : METRIC.fallback + i;
    linkRoutes[plan.hubNames.indexOf(other)] = routesAt(n, metric);
  });
  return { peer: hubPeer, spokeRoutes, linkRoutes };
}
