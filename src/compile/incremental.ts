/**
 * Incremental compilation: after one full compile, a change to one spoke or
 * external node is checked against indexes and recompiles only what it
 * affects — the node itself, the hubs of its network (from cached fragments),
 * nodes whose destination class included it, and mesh peers. The result is
 * identical to a full compile of the same intent (a test holds it to that).
 *
 * A Network change of fields that are a per-node field update (MTU,
 * keepalive: network-fields.ts) recompiles each node of the network from
 * its current plan and reuses the hubs' assemblies.
 *
 * Changes the incremental path cannot express exactly — hubs, other network
 * fields, policies, unpinned tunnel addresses, enrollments — fall back to a
 * full compile, so callers never need to know which path ran.
 */
import type { DesiredState, Enrollment, Issue, Network, Node } from "../model/index.js";
import { allocateFromPools, formatIp, PoolExhaustedError, type Prefix } from "../netaddr/index.js";
import { addressPoolsFor } from "./address-pools.js";
import { type CompileResult, compileNode, compileWithPlans, type NetworkWork } from "./compile.js";
import { carryElements } from "./firewall.js";
import type { FragmentCache } from "./hub-state.js";
import { type EffectiveNode, groupResources, type Intent } from "./intent.js";
import { onlyPatchableFields } from "./network-fields.js";
import { type CompileOptions, makePlan, type NetworkPlan } from "./network-plan.js";
import { updateNetworkFields } from "./network-update.js";
import { NodeIndex } from "./node-index.js";
import { resolveIntent, toResolvedNode } from "./resolve.js";
import type { ResolvedIntent, ResolvedNetwork, ResolvedNode } from "./resolved.js";
import { type ResolvedRule, type ResolvedSide, updateSide } from "./selectors.js";
import { lowerBoundByName } from "./sorted.js";
import { checkNetwork } from "./validate-network.js";
import { checkNode, type NetworkFacts } from "./validate-nodes.js";

export interface UpdateResult {
  readonly ok: true;
  /**
   * By node name: in name order after a full compile; an incremental update adds a new node at
   * the end (keeping 10,000 entries in order cost more than the update; nothing reads them in
   * order — sort the keys where order matters).
   */
  readonly states: ReadonlyMap<string, DesiredState>;
  /** Nodes whose revision changed (or that appeared or disappeared), in name order. */
  readonly changed: readonly string[];
  /** Whether the change was compiled incrementally (false: a full compile ran). */
  readonly incremental: boolean;
}

export type UpdateOutcome = UpdateResult | { readonly ok: false; readonly issues: Issue[] };

interface NetworkState {
  net: ResolvedNetwork;
  plan: NetworkPlan;
  cache: FragmentCache;
  facts: NetworkFacts;
}

export class IncrementalCompiler {
  private intent: Intent = groupResources([]);
  /** The enrollments of `intent` when noteEnrollments last left them in name order. */
  private sortedEnrollments?: readonly Enrollment[];
  private states = new Map<string, DesiredState>();
  private networks = new Map<string, NetworkState>();
  private index = new NodeIndex([]);

  /** Which hub carries each spoke now (reported by agents); plans read it when they compile. */
  private readonly activeHubs: Map<string, string>;
  private readonly options: CompileOptions;

  constructor(activeHubs: ReadonlyMap<string, string> = new Map()) {
    this.activeHubs = new Map(activeHubs);
    this.options = { activeHubs: this.activeHubs };
  }

  /** The attachments this compiler compiles with (its own map: read, never keep). */
  get attachments(): ReadonlyMap<string, string> {
    return this.activeHubs;
  }

  /** Spoke `name`'s hubs in priority order and the one carrying it now; undefined: not a compiled spoke or external node. */
  attachmentOf(name: string): { hubs: readonly string[]; active: string } | undefined {
    for (const ns of this.networks.values()) {
      const node = ns.net.byName.get(name);
      if (!node || node.role === "hub" || node.hubs.length === 0) continue;
      return { hubs: node.hubs, active: ns.plan.activeHub(node) };
    }
    return undefined;
  }

  /** How many spokes (and external nodes) each hub carries now, by hub name. */
  attachedCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const ns of this.networks.values()) {
      for (const h of ns.net.hubs) counts.set(h.name, 0);
      for (const n of ns.net.nodes) {
        if (n.role === "hub" || n.hubs.length === 0) continue;
        const active = ns.plan.activeHub(n);
        counts.set(active, (counts.get(active) ?? 0) + 1);
      }
    }
    return counts;
  }

  /**
   * Records that `hub` now carries spoke `name`'s traffic (undefined: back to its first hub) and
   * recompiles the hubs of its network from cached fragments. Only hubs change: a spoke's own
   * state does not depend on where it is attached.
   */
  attach(name: string, hub: string | undefined): UpdateResult {
    const unchanged: UpdateResult = { ok: true, states: this.states, changed: [], incremental: true };
    let ns: NetworkState | undefined;
    for (const candidate of this.networks.values()) if (candidate.net.byName.has(name)) ns = candidate;
    const node = ns?.net.byName.get(name);
    if (!ns || !node || node.role === "hub") {
      if (hub === undefined) this.activeHubs.delete(name);
      else this.activeHubs.set(name, hub);
      return unchanged;
    }
    const before = ns.plan.activeHub(node);
    if (hub === undefined) this.activeHubs.delete(name);
    else this.activeHubs.set(name, hub);
    if (ns.plan.activeHub(node) === before) return unchanged;
    const issues: Issue[] = [];
    const changed: string[] = [];
    for (const h of ns.net.hubs) {
      const state = compileNode(ns.plan, h, issues, ns.cache, { before: node, after: node });
      if (this.states.get(h.name)?.revision !== state.revision) changed.push(h.name);
      this.states.set(h.name, state);
    }
    return { ok: true, states: this.states, changed: changed.sort(), incremental: true };
  }

  /** Full compile; the baseline for later updates. Nothing changes when it fails. */
  compile(intent: Intent): CompileResult {
    const resolved = resolveIntent(intent);
    if (!resolved.ok) return resolved;
    const { result, work } = compileWithPlans(resolved.resolved, this.options);
    if (!result.ok) return result;
    this.adopt(intent, resolved.resolved, result.states, work);
    return result;
  }

  /**
   * Tunnel addresses IPAM would give a new node `name` of `network` now,
   * avoiding every address in use — what the controller pins into the node
   * before creating it. Undefined when the network is unknown or its pool is full.
   */
  allocate(
    network: string,
    name: string,
    role: string,
  ): { tunnelAddress: string; tunnelAddress6?: string } | undefined {
    const net = this.networks.get(network)?.net;
    if (!net) return undefined;
    // Inside the prefixes of the enrollment policy the node would join under, as a full compile does.
    const pick = (overlay: Prefix, family: 4 | 6) =>
      formatIp({
        family,
        value: allocateFromPools(
          addressPoolsFor(this.intent.enrollmentPolicies, { name, network, role }, overlay),
          [name],
          this.index.takenAddresses(network, family),
        ).get(name)!,
      });
    try {
      return {
        tunnelAddress: pick(net.cidr, 4),
        ...(net.cidr6 ? { tunnelAddress6: pick(net.cidr6, 6) } : {}),
      };
    } catch (error) {
      // The full compile the caller falls back to reports it as a `pool-exhausted` issue.
      if (error instanceof PoolExhaustedError) return undefined;
      throw error;
    }
  }

  /**
   * Takes enrollments' new states into the intent without compiling. Only for writes whose Node
   * change already carries all an enrollment supplies (key, endpoint, address, port: see
   * `effectiveNodes`), so compiled output cannot differ; later updates then start from the intent
   * as stored, exactly as after a full compile of it.
   */
  noteEnrollments(enrollments: readonly Enrollment[]): void {
    if (enrollments.length === 0) return;
    const replaced = new Set(enrollments.map((e) => e.metadata.name));
    // One enrollment a write, at 10,000 nodes: placed by binary search in the list this method
    // sorted last, instead of filtering and sorting it all again (the same list either way).
    if (this.intent.enrollments === this.sortedEnrollments && replaced.size === enrollments.length) {
      const merged = [...this.intent.enrollments];
      for (const e of enrollments) {
        const name = e.metadata.name;
        let lo = 0;
        let hi = merged.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (merged[mid]!.metadata.name < name) lo = mid + 1;
          else hi = mid;
        }
        if (merged[lo]?.metadata.name === name) merged[lo] = e;
        else merged.splice(lo, 0, e);
      }
      this.intent = { ...this.intent, enrollments: merged };
      this.sortedEnrollments = merged;
      return;
    }
    const merged = [...this.intent.enrollments.filter((e) => !replaced.has(e.metadata.name)), ...enrollments];
    merged.sort((a, b) =>
      a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0,
    );
    this.intent = { ...this.intent, enrollments: merged };
    this.sortedEnrollments = merged;
  }

  get currentStates(): ReadonlyMap<string, DesiredState> {
    return this.states;
  }

  /** Creates or replaces one Node. Nothing changes when it fails. */
  upsertNode(node: Node): UpdateOutcome {
    const name = node.metadata.name;
    const prev = this.intent.nodes.find((n) => n.metadata.name === name);
    const nodes = prev ? this.intent.nodes.map((n) => (n === prev ? node : n)) : [...this.intent.nodes, node];
    const next = { ...this.intent, nodes };
    const ns = this.networks.get(node.spec.network);
    const prevResolved = ns?.net.byName.get(name);
    const simple =
      ns !== undefined &&
      node.spec.role !== "hub" &&
      (!prev || (prev.spec.role !== "hub" && prev.spec.network === node.spec.network && prevResolved)) &&
      node.spec.tunnelAddress !== undefined &&
      (ns.net.cidr6 === undefined || node.spec.tunnelAddress6 !== undefined) &&
      !ns.net.nodes.some((n) => n.allocated) &&
      !this.intent.enrollments.some((e) => e.spec.nodeName === name);
    if (!simple) return this.fallback(next);

    const issues: Issue[] = [];
    const at = { kind: "Node", name };
    const origin = { kind: "Node" as const, name, pathPrefix: "" };
    const hubs = new Map<string, EffectiveNode>(ns.net.hubs.map((h) => [h.name, { node: h.source, origin }]));
    const checked = checkNode(
      { node, origin },
      new Map([[ns.net.name, ns.facts]]),
      new Map([[ns.net.name, hubs]]),
      issues,
    );
    if (!checked || issues.length > 0) return { ok: false, issues };
    const resolved = toResolvedNode(checked, checked.address4!, checked.address6);
    if (prevResolved) this.index.remove(ns.net.name, prevResolved);
    const conflicts = this.index.check(ns.net.name, resolved, at);
    if (conflicts.length > 0) {
      if (prevResolved) this.index.add(ns.net.name, prevResolved);
      return { ok: false, issues: conflicts };
    }
    this.index.add(ns.net.name, resolved);
    this.intent = next;
    return this.apply(ns, prevResolved, resolved);
  }

  /**
   * Whether upsertNetwork(network) takes the incremental path: the network is compiled, only
   * patchable fields differ, and IPAM chooses no node's address (a full compile reports those
   * allocations for the caller to pin; this path does not).
   */
  patchesNetwork(network: Network): boolean {
    const prev = this.intent.networks.find((n) => n.metadata.name === network.metadata.name);
    const ns = this.networks.get(network.metadata.name);
    return (
      prev !== undefined &&
      ns !== undefined &&
      onlyPatchableFields(prev, network) &&
      !ns.net.nodes.some((n) => n.allocated)
    );
  }

  /**
   * Creates or replaces one Network. A change of fields that are a per-node field update
   * (network-fields.ts: MTU, keepalive) recompiles the network's nodes from its current plan;
   * anything else, or a network with nodes IPAM still addresses, is a full compile.
   */
  upsertNetwork(network: Network): UpdateOutcome {
    const name = network.metadata.name;
    const prev = this.intent.networks.find((n) => n.metadata.name === name);
    const networks = prev
      ? this.intent.networks.map((n) => (n === prev ? network : n))
      : [...this.intent.networks, network];
    const next = { ...this.intent, networks };
    const ns = this.networks.get(name);
    if (!prev || !ns || !this.patchesNetwork(network)) return this.fallback(next);
    // The network's own checks read none of the patchable fields; run them all the same, and let a
    // full compile report what they find (every issue, as it would word them).
    const facts = checkNetwork(network, []);
    if (!facts) return this.fallback(next);
    const update = updateNetworkFields(ns.plan, ns.cache, network, this.options);
    if (update.issues.length > 0) return this.fallback(next);
    this.intent = next;
    ns.net = update.plan.net;
    ns.plan = update.plan;
    ns.facts = { ...ns.facts, resource: network };
    const changed: string[] = [];
    for (const [node, state] of update.states) {
      if (this.states.get(node)?.revision !== state.revision) changed.push(node);
      this.states.set(node, state);
    }
    return { ok: true, states: this.states, changed: changed.sort(), incremental: true };
  }

  /** Removes one Node. */
  removeNode(name: string): UpdateOutcome {
    const prev = this.intent.nodes.find((n) => n.metadata.name === name);
    if (!prev) return { ok: true, states: this.states, changed: [], incremental: true };
    const next = { ...this.intent, nodes: this.intent.nodes.filter((n) => n !== prev) };
    const ns = this.networks.get(prev.spec.network);
    const prevResolved = ns?.net.byName.get(name);
    const referenced =
      this.intent.accessPolicies.some((p) =>
        p.spec.rules.some((r) => r.from.nodes?.includes(name) || r.to.nodes?.includes(name)),
      ) ||
      this.intent.peerOverrides.some((o) => o.spec.peer === name || o.spec.nodes?.includes(name)) ||
      this.intent.enrollments.some((e) => e.spec.nodeName === name);
    if (!ns || !prevResolved || prev.spec.role === "hub" || referenced) return this.fallback(next);
    this.index.remove(ns.net.name, prevResolved);
    this.intent = next;
    return this.apply(ns, prevResolved, undefined);
  }

  private fallback(intent: Intent): UpdateOutcome {
    const before = this.states;
    const result = this.compile(intent);
    if (!result.ok) return result;
    return { ok: true, states: this.states, changed: changedNames(before, this.states), incremental: false };
  }

  private adopt(
    intent: Intent,
    resolved: ResolvedIntent,
    states: ReadonlyMap<string, DesiredState>,
    work: ReadonlyMap<string, NetworkWork>,
  ): void {
    this.intent = intent;
    this.states = new Map(states);
    this.networks = new Map();
    const all: Array<{ network: string; node: ResolvedNode }> = [];
    const networkResources = new Map(intent.networks.map((n) => [n.metadata.name, n]));
    for (const net of resolved.networks.values()) {
      this.networks.set(net.name, {
        net,
        plan: work.get(net.name)!.plan,
        cache: work.get(net.name)!.cache,
        facts: {
          resource: networkResources.get(net.name)!,
          cidr: net.cidr,
          cidr6: net.cidr6,
        },
      });
      for (const node of net.nodes) all.push({ network: net.name, node });
    }
    this.index = new NodeIndex(all);
  }

  /** Swaps `before` for `after` in the network and recompiles what that affects. */
  private apply(
    ns: NetworkState,
    before: ResolvedNode | undefined,
    after: ResolvedNode | undefined,
  ): UpdateResult {
    const name = (after ?? before)!.name;
    const nodes = ns.net.nodes.filter((n) => n !== before);
    if (after) nodes.splice(lowerBoundByName(nodes, after.name), 0, after);
    // The compiler owns these maps; results handed out earlier never expose them.
    const byName = ns.net.byName as Map<string, ResolvedNode>;
    if (after) byName.set(name, after);
    else byName.delete(name);
    const net: ResolvedNetwork = { ...ns.net, nodes, byName };

    const changedSides = new Set<number>();
    // Rules share equal sides (see resolveRules): update each side once, keep them shared.
    const sideUpdates = new Map<ResolvedSide, ResolvedSide>();
    const updated = (side: ResolvedSide) => {
      let next = sideUpdates.get(side);
      if (!next) {
        const was = before !== undefined && side.nodes.has(before);
        next = updateSide(side, before, after);
        if (next !== side) carryElements(side, next, { before, after, was, nodes });
        sideUpdates.set(side, next);
      }
      return next;
    };
    const rules: ResolvedRule[] = ns.plan.rules.map((r, i) => {
      const from = updated(r.from);
      const to = updated(r.to);
      if (from !== r.from) changedSides.add(2 * i);
      if (to !== r.to) changedSides.add(2 * i + 1);
      return from === r.from && to === r.to ? r : { ...r, from, to };
    });
    const affected = new Set<string>([name]);
    const destinations = ns.plan.destinations.rebase(
      net,
      changedSides.size ? rules : ns.plan.rules,
      changedSides,
      true,
      affected,
    );
    const plan = makePlan(net, changedSides.size ? rules : ns.plan.rules, destinations, this.options);
    for (const h of net.hubs) affected.add(h.name);
    if (net.spec.topology === "mesh")
      for (const n of plan.ready) if (n.role === "spoke") affected.add(n.name);
    ns.net = net;
    ns.plan = plan;

    const issues: Issue[] = [];
    const changed: string[] = [];
    for (const n of affected) {
      const node = net.byName.get(n);
      if (!node) {
        if (this.states.delete(n)) changed.push(n);
        continue;
      }
      const state = compileNode(
        plan,
        node,
        issues,
        ns.cache,
        node.role === "hub" ? { before, after } : undefined,
      );
      if (this.states.get(n)?.revision !== state.revision) changed.push(n);
      this.states.set(n, state);
    }
    return { ok: true, states: this.states, changed: changed.sort(), incremental: true };
  }
}

function changedNames(
  before: ReadonlyMap<string, DesiredState>,
  after: ReadonlyMap<string, DesiredState>,
): string[] {
  const names = new Set([...before.keys(), ...after.keys()]);
  return [...names].filter((n) => before.get(n)?.revision !== after.get(n)?.revision).sort();
}
