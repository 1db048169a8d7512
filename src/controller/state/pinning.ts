/**
 * Address pinning, in one place: a node keeps the tunnel addresses it has (a put that leaves them
 * out keeps the stored ones), and an address IPAM chooses is written into the Node when it is
 * first compiled, so it never moves afterwards.
 */
import { keepPinned } from "../../compile/index.js";
import type { Node, Resource } from "../../model/index.js";
import { resourceKey, type Snapshot } from "./snapshot.js";

/** What a put stores in place of `before`: the user's intent (status is controller-owned) with `before`'s addresses kept. */
export function pinnedPut(before: Resource | undefined, put: Resource): Resource {
  const { status: _status, ...intent } = put;
  return keepPinned(before, intent as Resource);
}

/** Whether `node` still lacks an address its network gives (IPv4 always, IPv6 when the network has it). */
export function needsAddress(node: Node, snap: Snapshot): boolean {
  const net = snap.resources.get(resourceKey("Network", node.spec.network));
  const v6 = net?.kind === "Network" && net.spec.cidr6 !== undefined;
  return node.spec.tunnelAddress === undefined || (v6 && node.spec.tunnelAddress6 === undefined);
}

/** `node` with the addresses IPAM chose where it has none. */
export function withAddresses(node: Node, a: { tunnelAddress: string; tunnelAddress6?: string }): Node {
  return {
    ...node,
    spec: {
      ...node.spec,
      tunnelAddress: node.spec.tunnelAddress ?? a.tunnelAddress,
      ...(a.tunnelAddress6 !== undefined
        ? { tunnelAddress6: node.spec.tunnelAddress6 ?? a.tunnelAddress6 }
        : {}),
    },
  };
}
