/**
 * Per-network facts the node compilers share: rules, destination classes,
 * which hub each spoke is active on, and the nodes that can be peers.
 */
import { DestinationClasses } from "./destinations.js";
import type { ResolvedNetwork, ResolvedNode } from "./resolved.js";
import { type ResolvedRule, resolveRules } from "./selectors.js";

export interface CompileOptions {
  /**
   * Which hub currently carries each spoke's traffic, from agent reports. A
   * spoke absent here (or naming a hub it does not list) is on its first hub.
   */
  readonly activeHubs?: ReadonlyMap<string, string>;
}

export interface NetworkPlan {
  readonly net: ResolvedNetwork;
  readonly rules: readonly ResolvedRule[];
  readonly destinations: DestinationClasses;
  readonly hubNames: readonly string[];
  /** Nodes that can be peers: those with a public key, in name order. */
  readonly ready: readonly ResolvedNode[];
  activeHub(node: ResolvedNode): string;
}

export function planNetwork(net: ResolvedNetwork, options: CompileOptions): NetworkPlan {
  const rules = resolveRules(net);
  return makePlan(net, rules, new DestinationClasses(net, rules), options);
}

export function makePlan(
  net: ResolvedNetwork,
  rules: readonly ResolvedRule[],
  destinations: DestinationClasses,
  options: CompileOptions,
): NetworkPlan {
  return {
    net,
    rules,
    destinations,
    hubNames: net.hubs.map((h) => h.name),
    ready: net.nodes.filter((n) => n.publicKey !== undefined),
    activeHub(node) {
      const reported = options.activeHubs?.get(node.name);
      return reported !== undefined && node.hubs.includes(reported) ? reported : node.hubs[0]!;
    },
  };
}
