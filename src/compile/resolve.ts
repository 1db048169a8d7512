/**
 * Validation of a whole intent and its resolution into the compiler's input.
 * Collects every issue; resolves only when there are none, so nothing invalid
 * is ever partly compiled.
 */
import { byteOrder, type EnrollmentPolicy, type Issue } from "../model/index.js";
import {
  allocateFromPools,
  comparePrefixes,
  formatPrefix,
  hostPrefix,
  PoolExhaustedError,
  type Prefix,
} from "../netaddr/index.js";
import { addressPoolsFor } from "./address-pools.js";
import { effectiveNodes, type Intent, issueFor } from "./intent.js";
import type { ResolvedIntent, ResolvedNetwork, ResolvedNode } from "./resolved.js";
import { checkNetwork, checkNetworkOverlaps } from "./validate-network.js";
import { type CheckedNode, checkAcrossNodes, checkNode, type NetworkFacts } from "./validate-nodes.js";
import {
  checkAccessPolicy,
  checkEnrollment,
  checkEnrollmentPolicy,
  checkPeerOverride,
  type NetworkView,
} from "./validate-policies.js";

export type ResolveResult = { ok: true; resolved: ResolvedIntent } | { ok: false; issues: Issue[] };

function checkDuplicateNames(intent: Intent, issues: Issue[]): void {
  const lists = [
    intent.networks,
    intent.nodes,
    intent.enrollmentPolicies,
    intent.enrollments,
    intent.accessPolicies,
    intent.peerOverrides,
  ];
  for (const list of lists) {
    const seen = new Set<string>();
    for (const r of list) {
      if (seen.has(r.metadata.name)) {
        issues.push(
          issueFor(
            "duplicate-name",
            { kind: r.kind, name: r.metadata.name },
            "metadata.name",
            "defined twice",
          ),
        );
      }
      seen.add(r.metadata.name);
    }
  }
}

/** Validates the whole intent; on success returns it resolved, with tunnel addresses allocated. */
export function resolveIntent(intent: Intent): ResolveResult {
  const issues: Issue[] = [];
  checkDuplicateNames(intent, issues);

  // Networks that fail their own checks have no facts, but resources naming them do not dangle.
  const declared = new Set(intent.networks.map((n) => n.metadata.name));
  const facts = new Map<string, NetworkFacts>();
  for (const net of intent.networks) {
    const f = checkNetwork(net, issues);
    if (f) facts.set(net.metadata.name, f);
  }
  checkNetworkOverlaps([...facts.values()], issues);

  const nodes = effectiveNodes(intent);
  const hubsOf = new Map<string, Map<string, (typeof nodes)[number]>>();
  const roles = new Map<string, Map<string, string>>();
  for (const eff of nodes) {
    const { network, role } = eff.node.spec;
    if (!roles.has(network)) roles.set(network, new Map());
    roles.get(network)!.set(eff.node.metadata.name, role);
    if (role !== "hub") continue;
    if (!hubsOf.has(network)) hubsOf.set(network, new Map());
    hubsOf.get(network)!.set(eff.node.metadata.name, eff);
  }
  const checked: CheckedNode[] = [];
  for (const eff of nodes) {
    const c = checkNode(eff, facts, hubsOf, issues, { declared, roles });
    if (c) checked.push(c);
  }
  checkAcrossNodes(checked, issues);

  const views = new Map<string, NetworkView>();
  for (const [name, f] of facts) views.set(name, { facts: f, nodeRoles: roles.get(name) ?? new Map() });
  const policies = new Map<string, EnrollmentPolicy>(
    intent.enrollmentPolicies.map((p) => [p.metadata.name, p]),
  );
  for (const p of intent.enrollmentPolicies) checkEnrollmentPolicy(p, views, issues, declared);
  for (const p of intent.accessPolicies) checkAccessPolicy(p, views, issues, declared);
  for (const o of intent.peerOverrides) checkPeerOverride(o, views, issues, declared);
  for (const e of intent.enrollments) checkEnrollment(e, policies, views, issues, declared);

  if (issues.length > 0) return { ok: false, issues };
  return buildResolved(intent, facts, checked);
}

function buildResolved(
  intent: Intent,
  facts: ReadonlyMap<string, NetworkFacts>,
  checked: readonly CheckedNode[],
): ResolveResult {
  const issues: Issue[] = [];
  const byNetwork = new Map<string, CheckedNode[]>();
  for (const c of checked) {
    const list = byNetwork.get(c.eff.node.spec.network) ?? [];
    list.push(c);
    byNetwork.set(c.eff.node.spec.network, list);
  }
  const networks = new Map<string, ResolvedNetwork>();
  for (const [name, f] of facts) {
    const members = (byNetwork.get(name) ?? []).sort((a, b) =>
      byteOrder(a.eff.node.metadata.name, b.eff.node.metadata.name),
    );
    const policies = intent.enrollmentPolicies;
    const v4 = allocate(f.cidr, policies, members, (c) => c.address4, issues, "spec.tunnelAddress");
    const v6 = f.cidr6
      ? allocate(f.cidr6, policies, members, (c) => c.address6, issues, "spec.tunnelAddress6")
      : undefined;
    if (!v4 || (f.cidr6 && !v6)) continue;
    const resolvedNodes = members.map((c) => {
      const name = c.eff.node.metadata.name;
      return toResolvedNode(
        c,
        c.address4 ?? v4.get(name)!,
        f.cidr6 ? (c.address6 ?? v6!.get(name)!) : undefined,
      );
    });
    const accessPolicies = intent.accessPolicies
      .filter((p) => p.spec.network === name)
      .sort((a, b) => a.spec.priority - b.spec.priority || byteOrder(a.metadata.name, b.metadata.name));
    const peerOverrides = intent.peerOverrides
      .filter((o) => o.spec.network === name)
      .sort((a, b) => byteOrder(a.metadata.name, b.metadata.name));
    networks.set(name, {
      name,
      spec: f.resource.spec,
      cidr: f.cidr,
      cidr6: f.cidr6,
      nodes: resolvedNodes,
      hubs: resolvedNodes.filter((n) => n.role === "hub"),
      byName: new Map(resolvedNodes.map((n) => [n.name, n])),
      accessPolicies,
      peerOverrides,
    });
  }
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, resolved: { networks } };
}

/**
 * Addresses for the members that have none: each inside its enrollment policy's prefixes (see
 * address-pools.ts), groups of the same pools in a fixed order, every address given out so far
 * taken for the next group.
 */
function allocate(
  overlay: Prefix,
  policies: readonly EnrollmentPolicy[],
  members: readonly CheckedNode[],
  get: (c: CheckedNode) => bigint | undefined,
  issues: Issue[],
  path: string,
): Map<string, bigint> | undefined {
  const taken = new Set<bigint>();
  const groups = new Map<string, { pools: Prefix[]; names: CheckedNode[] }>();
  for (const c of members) {
    const a = get(c);
    if (a !== undefined) {
      taken.add(a);
      continue;
    }
    const { metadata, spec } = c.eff.node;
    const pools = addressPoolsFor(
      policies,
      { name: metadata.name, network: spec.network, role: spec.role },
      overlay,
    );
    const key = pools.map(formatPrefix).join(" ");
    const group = groups.get(key) ?? { pools, names: [] };
    group.names.push(c);
    groups.set(key, group);
  }
  const result = new Map<string, bigint>();
  for (const key of [...groups.keys()].sort(byteOrder)) {
    const { pools, names } = groups.get(key)!;
    try {
      const got = allocateFromPools(
        pools,
        names.map((c) => c.eff.node.metadata.name),
        taken,
      );
      for (const [name, a] of got) {
        result.set(name, a);
        taken.add(a);
      }
    } catch (error) {
      if (!(error instanceof PoolExhaustedError)) throw error;
      const first = names[0]!;
      issues.push(
        issueFor(
          "pool-exhausted",
          { kind: first.eff.origin.kind, name: first.eff.origin.name },
          path,
          pools.length === 1 && pools[0] === overlay
            ? "the overlay has no free address left"
            : `no free address left in ${pools.map(formatPrefix).join(", ")} (the enrollment policy's tunnel-address prefixes)`,
        ),
      );
      return undefined;
    }
  }
  return result;
}

/** A checked node with its final addresses, as the compiler sees it. */
export function toResolvedNode(c: CheckedNode, address4: bigint, address6: bigint | undefined): ResolvedNode {
  const n = c.eff.node;
  const tunnelPrefixes: Prefix[] = [hostPrefix({ family: 4, value: address4 })];
  if (address6 !== undefined) tunnelPrefixes.push(hostPrefix({ family: 6, value: address6 }));
  return {
    name: n.metadata.name,
    role: n.spec.role,
    source: n,
    labels: n.metadata.labels ?? {},
    address4,
    address6,
    allocated: c.address4 === undefined || (address6 !== undefined && c.address6 === undefined),
    tunnelPrefixes,
    subnets: c.subnets,
    ownPrefixes: [...tunnelPrefixes, ...c.subnets].sort(comparePrefixes).map(formatPrefix),
    endpoint: c.endpoint,
    basePort: c.basePort,
    publicKey: n.spec.publicKey,
    hubs: n.spec.hubs,
    persistentKeepalive: n.spec.persistentKeepalive,
  };
}
