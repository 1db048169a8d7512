/**
 * The intent after validation: names resolved to objects, text parsed to
 * numbers, tunnel addresses allocated. The compiler works only on this.
 */
import type { AccessPolicy, Network, Node, NodeRole, PeerOverride } from "../model/index.js";
import type { Endpoint, Prefix } from "../netaddr/index.js";

export interface ResolvedNode {
  readonly name: string;
  readonly role: NodeRole;
  readonly source: Node;
  readonly labels: Readonly<Record<string, string>>;
  readonly address4: bigint;
  readonly address6?: bigint;
  /** Set when IPAM chose either tunnel address (the controller pins them). */
  readonly allocated: boolean;
  /** The node's own prefixes: tunnel host addresses, then site subnets. */
  readonly tunnelPrefixes: readonly Prefix[];
  readonly subnets: readonly Prefix[];
  /** Canonical text of tunnelPrefixes then subnets (IPv4 before IPv6, each as declared): what peers carry. */
  readonly ownPrefixes: readonly string[];
  readonly endpoint?: Endpoint;
  /** First local UDP port; interfaces use consecutive ports from here. */
  readonly basePort: number;
  readonly publicKey?: string;
  /** Spokes and external nodes: hub names in priority order. */
  readonly hubs: readonly string[];
  readonly persistentKeepalive?: number;
}

export interface ResolvedNetwork {
  readonly name: string;
  readonly spec: Network["spec"];
  readonly cidr: Prefix;
  readonly cidr6?: Prefix;
  /** All nodes, sorted by name. */
  readonly nodes: readonly ResolvedNode[];
  /** Hubs, sorted by name. */
  readonly hubs: readonly ResolvedNode[];
  readonly byName: ReadonlyMap<string, ResolvedNode>;
  /** Sorted by priority, then name. */
  readonly accessPolicies: readonly AccessPolicy[];
  readonly peerOverrides: readonly PeerOverride[];
}

export interface ResolvedIntent {
  readonly networks: ReadonlyMap<string, ResolvedNetwork>;
}

/** How many UDP ports a node's interfaces use (see compile/interfaces.ts for their order). */
export function portCount(role: NodeRole, hubCount: number, networkHubs: number, mesh: boolean): number {
  if (role === "hub") return networkHubs; // spokes interface + one link per other hub
  return hubCount + (role === "spoke" && mesh ? 1 : 0);
}
