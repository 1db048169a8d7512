/**
 * The compiler: intent → every node's desired state. Pure and deterministic:
 * the same intent, in any document order, gives byte-identical output.
 */
import type { DesiredState, Issue } from "../model/index.js";
import { formatIp } from "../netaddr/index.js";
import { withRevision } from "./fingerprint.js";
import type { Intent } from "./intent.js";
import { type CompileOptions, type NetworkPlan, planNetwork } from "./network-plan.js";
import { compileNodeState } from "./node-state.js";
import { applyOverrides } from "./overrides.js";
import { resolveIntent } from "./resolve.js";
import type { ResolvedIntent, ResolvedNode } from "./resolved.js";

export type { CompileOptions } from "./network-plan.js";

/** An address IPAM chose, for the controller to pin. */
export interface Allocation {
  readonly node: string;
  readonly tunnelAddress: string;
  readonly tunnelAddress6?: string;
}

export interface Compiled {
  /** By node name, in name order. */
  readonly states: ReadonlyMap<string, DesiredState>;
  readonly allocations: readonly Allocation[];
  readonly resolved: ResolvedIntent;
}

export type CompileResult = ({ ok: true } & Compiled) | { ok: false; issues: Issue[] };

export function compile(intent: Intent, options: CompileOptions = {}): CompileResult {
  const resolved = resolveIntent(intent);
  if (!resolved.ok) return resolved;
  return compileResolved(resolved.resolved, options);
}

export function compileResolved(resolved: ResolvedIntent, options: CompileOptions = {}): CompileResult {
  const issues: Issue[] = [];
  const entries: Array<[string, DesiredState]> = [];
  const allocations: Allocation[] = [];
  for (const net of resolved.networks.values()) {
    const plan = planNetwork(net, options);
    for (const node of net.nodes) {
      entries.push([node.name, compileNode(plan, node, issues)]);
      if (node.allocated) allocations.push(allocationOf(node));
    }
  }
  if (issues.length > 0) return { ok: false, issues };
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  allocations.sort((a, b) => (a.node < b.node ? -1 : 1));
  return { ok: true, states: new Map(entries), allocations, resolved };
}

export function compileNode(plan: NetworkPlan, node: ResolvedNode, issues: Issue[]): DesiredState {
  const state = compileNodeState(plan, node);
  const interfaces = applyOverrides(node.name, state.interfaces, plan.net.peerOverrides, issues);
  return withRevision({ ...state, interfaces });
}

function allocationOf(node: ResolvedNode): Allocation {
  const out: Allocation = { node: node.name, tunnelAddress: formatIp({ family: 4, value: node.address4 }) };
  return node.address6 === undefined
    ? out
    : { ...out, tunnelAddress6: formatIp({ family: 6, value: node.address6 }) };
}
