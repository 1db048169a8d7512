/**
 * A hub's interfaces: its spokes interface and one link per other hub, built
 * from the hub's assembly of per-node fragments (hub-fragments.ts,
 * hub-assembly.ts). The hub's revision hashes fragment digests, not megabytes
 * of JSON.
 */
import type { InterfaceConfig, PeerConfig } from "../model/index.js";
import { formatEndpoint } from "../netaddr/index.js";
import { assembleAll, blocksDigest, type FragmentCache, patch } from "./hub-assembly.js";
import type { NodeChange } from "./hub-fragments.js";
import { interfaceName, linkOffset } from "./interfaces.js";
import type { NetworkPlan } from "./network-plan.js";
import { baseInterface, keepalive, peer, probeAddress, pskRef } from "./peers.js";
import type { ResolvedNode } from "./resolved.js";

export { FragmentCache } from "./hub-assembly.js";
export type { NodeChange } from "./hub-fragments.js";

export interface HubInterfaces {
  readonly interfaces: InterfaceConfig[];
  /** Stands for every fragment, in node order: with the interface headers it determines the interfaces. */
  readonly fragmentDigests: string;
}

/**
 * A hub: one interface for its spokes, one link per other hub. Routes to a
 * spoke go where the spoke is active (metric 100); other paths stay as
 * fallbacks with higher metrics for the agent's failover. With `change`, the
 * previous assembly of this hub is patched instead of rebuilt (the caller
 * guarantees nothing else changed since); an empty `change` reuses it as it is.
 */
export function hubInterfaces(
  plan: NetworkPlan,
  hub: ResolvedNode,
  cache: FragmentCache,
  change?: NodeChange,
): HubInterfaces {
  const prev = cache.assemblies.get(hub.name);
  // The assembly's arrays are never changed once handed out, so an unchanged one is reused whole.
  const unchanged = change !== undefined && !change.before && !change.after;
  const a =
    prev && change
      ? unchanged
        ? prev
        : patch(prev, plan, hub, cache, change)
      : assembleAll(plan, hub, cache);
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
      ...(linkPeers.length ? { probe: probeAddress(remote) } : {}),
      ...baseInterface(plan, hub, linkOffset(hub.name, remote.name, plan.hubNames)),
      peers: linkPeers,
      routes: linkPeers.length ? a.linkRoutes[plan.hubNames.indexOf(remote.name)]! : [],
    });
  }
  return { interfaces, fragmentDigests: blocksDigest(a) };
}
