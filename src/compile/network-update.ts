/**
 * A network-wide field change (network-fields.ts: MTU, keepalive) without a full compile: the
 * network's resolved nodes, rules, destination classes and hub fragments stay as they are (none
 * of them depends on those fields), the plan is remade around the new spec, and each node's state
 * is rebuilt from it — a spoke from the plan, as a full compile would, and a hub from its previous
 * assembly, reused whole. No validation across nodes, no allocation, no fragment hashed again: at
 * 10,000 nodes what is left is building and fingerprinting each node's small state.
 */
import type { DesiredState, Issue, Network } from "../model/index.js";
import { compileNode } from "./compile.js";
import type { FragmentCache } from "./hub-state.js";
import { type CompileOptions, makePlan, type NetworkPlan } from "./network-plan.js";

/** A hub's change that says no fragment moved (hub-state.ts reuses its assembly). */
const NO_FRAGMENT_CHANGED = {};

export interface NetworkUpdate {
  readonly plan: NetworkPlan;
  /** Every node of the network, recompiled, in the network's node order. */
  readonly states: ReadonlyArray<readonly [string, DesiredState]>;
  readonly issues: Issue[];
}

/** The plan and every node's state after `network`'s spec replaced the plan's (patchable fields only). */
export function updateNetworkFields(
  plan: NetworkPlan,
  cache: FragmentCache,
  network: Network,
  options: CompileOptions,
): NetworkUpdate {
  const net = { ...plan.net, spec: network.spec };
  const next = makePlan(net, plan.rules, plan.destinations, options);
  const issues: Issue[] = [];
  const states = net.nodes.map(
    (node) =>
      [
        node.name,
        compileNode(next, node, issues, cache, node.role === "hub" ? NO_FRAGMENT_CHANGED : undefined),
      ] as const,
  );
  return { plan: next, states, issues };
}
