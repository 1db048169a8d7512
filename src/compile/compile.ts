/**
 * The compiler: intent → every node's desired state. Pure and deterministic:
 * the same intent, in any document order, gives byte-identical output.
 */
import { byteOrder, DESIRED_STATE_VERSION, type DesiredState, type Issue } from "../model/index.js";
import { formatIp } from "../netaddr/index.js";
import { withHubRevision, withRevision } from "./fingerprint.js";
import { compileFirewall, firewallDigest, hostInputOf } from "./firewall.js";
import { FragmentCache, hubInterfaces, type NodeChange } from "./hub-state.js";
import type { Intent } from "./intent.js";
import { type CompileOptions, type NetworkPlan, planNetwork } from "./network-plan.js";
import { compact, nodeInterfaces, sortByName } from "./node-state.js";
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
  return compileWithPlans(resolved, options).result;
}

/** What a full compile used per network, for the incremental compiler to continue from. */
export interface NetworkWork {
  readonly plan: NetworkPlan;
  readonly cache: FragmentCache;
}

export function compileWithPlans(
  resolved: ResolvedIntent,
  options: CompileOptions,
): { result: CompileResult; work: Map<string, NetworkWork> } {
  const work = new Map<string, NetworkWork>();
  const issues: Issue[] = [];
  const entries: Array<[string, DesiredState]> = [];
  const allocations: Allocation[] = [];
  for (const net of resolved.networks.values()) {
    const plan = planNetwork(net, options);
    const cache = new FragmentCache();
    work.set(net.name, { plan, cache });
    for (const node of net.nodes) {
      entries.push([node.name, compileNode(plan, node, issues, cache)]);
      if (node.allocated) allocations.push(allocationOf(node));
    }
  }
  if (issues.length > 0) return { result: { ok: false, issues }, work };
  entries.sort(([a], [b]) => byteOrder(a, b));
  allocations.sort((a, b) => byteOrder(a.node, b.node));
  return { result: { ok: true, states: new Map(entries), allocations, resolved }, work };
}

/** One node's desired state. `cache` carries hub fragments across compiles (see hub-state.ts). */
export function compileNode(
  plan: NetworkPlan,
  node: ResolvedNode,
  issues: Issue[],
  cache: FragmentCache,
  change?: NodeChange,
): DesiredState {
  const header = {
    apiVersion: "hubwire/v1" as const,
    kind: "NodeConfig" as const,
    protocol: DESIRED_STATE_VERSION,
    node: node.name,
    network: plan.net.name,
    role: node.role,
    // Hubs route between spokes; a spoke with site subnets routes between its LAN and the tunnels.
    forwarding: node.role === "hub" || node.subnets.length > 0,
  };
  if (node.role !== "hub") {
    const interfaces = applyOverrides(node.name, nodeInterfaces(plan, node), plan.net.peerOverrides, issues);
    return withRevision({ ...header, interfaces });
  }
  const hub = hubInterfaces(plan, node, cache, change);
  const generated = sortByName(hub.interfaces.map(compact));
  const names = generated.map((i) => i.name);
  const links = generated.filter((i) => i.purpose === "hub-link").map((i) => i.name);
  const input = hostInputOf(node, generated);
  const firewall = compileFirewall(plan, names, links, input);
  const interfaces = applyOverrides(node.name, generated, plan.net.peerOverrides, issues);
  const state = { ...header, interfaces, firewall };
  return interfaces === generated
    ? withHubRevision(
        state,
        hub.fragmentDigests,
        firewallDigest(plan, firewall.script ? names : [], links, input),
      )
    : withRevision(state);
}

function allocationOf(node: ResolvedNode): Allocation {
  const out: Allocation = { node: node.name, tunnelAddress: formatIp({ family: 4, value: node.address4 }) };
  return node.address6 === undefined
    ? out
    : { ...out, tunnelAddress6: formatIp({ family: 6, value: node.address6 }) };
}
