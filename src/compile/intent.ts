/**
 * Intent: the set of resources the compiler reads, grouped by kind. The
 * effective node list is the static nodes plus approved enrollments (SPEC §3).
 */
import type {
  AccessPolicy,
  Enrollment,
  EnrollmentPolicy,
  Issue,
  IssueCode,
  Network,
  Node,
  PeerOverride,
  Resource,
} from "../model/index.js";

export interface Intent {
  readonly networks: readonly Network[];
  readonly nodes: readonly Node[];
  readonly enrollmentPolicies: readonly EnrollmentPolicy[];
  readonly enrollments: readonly Enrollment[];
  readonly accessPolicies: readonly AccessPolicy[];
  readonly peerOverrides: readonly PeerOverride[];
}

export function groupResources(resources: Iterable<Resource>): Intent {
  const out = {
    networks: [] as Network[],
    nodes: [] as Node[],
    enrollmentPolicies: [] as EnrollmentPolicy[],
    enrollments: [] as Enrollment[],
    accessPolicies: [] as AccessPolicy[],
    peerOverrides: [] as PeerOverride[],
  };
  for (const r of resources) {
    switch (r.kind) {
      case "Network":
        out.networks.push(r);
        break;
      case "Node":
        out.nodes.push(r);
        break;
      case "EnrollmentPolicy":
        out.enrollmentPolicies.push(r);
        break;
      case "Enrollment":
        out.enrollments.push(r);
        break;
      case "AccessPolicy":
        out.accessPolicies.push(r);
        break;
      case "PeerOverride":
        out.peerOverrides.push(r);
        break;
    }
  }
  return out;
}

/** A node of the effective config, with the resource it came from (for error messages). */
export interface EffectiveNode {
  readonly node: Node;
  readonly origin: {
    readonly kind: "Node" | "Enrollment";
    readonly name: string;
    readonly pathPrefix: string;
  };
}

export function enrollmentState(e: Enrollment): string | undefined {
  const state = e.status?.state;
  return typeof state === "string" ? state : undefined;
}

/**
 * Static nodes ⊕ approved enrollments. An approved enrollment for a declared
 * node supplies what the declaration leaves open (key, endpoint, address);
 * otherwise it creates the node with the policy's hubs and labels.
 */
export function effectiveNodes(intent: Intent): EffectiveNode[] {
  const declared = new Map(intent.nodes.map((n) => [n.metadata.name, n]));
  const policies = new Map(intent.enrollmentPolicies.map((p) => [p.metadata.name, p]));
  const result = new Map<string, EffectiveNode>();
  for (const node of intent.nodes) {
    result.set(node.metadata.name, {
      node,
      origin: { kind: "Node", name: node.metadata.name, pathPrefix: "" },
    });
  }
  for (const e of intent.enrollments) {
    if (enrollmentState(e) !== "Approved") continue;
    const s = e.spec;
    const base = declared.get(s.nodeName);
    const policy = policies.get(s.policy);
    const origin = { kind: "Enrollment" as const, name: e.metadata.name, pathPrefix: "" };
    if (base) {
      const node: Node = {
        ...base,
        spec: {
          ...base.spec,
          publicKey: base.spec.publicKey ?? s.publicKey,
          endpoint: base.spec.endpoint ?? s.endpoint,
          tunnelAddress: base.spec.tunnelAddress ?? s.tunnelAddress,
          listenPort: base.spec.listenPort ?? s.listenPort,
        },
      };
      result.set(s.nodeName, { node, origin: { kind: "Node", name: s.nodeName, pathPrefix: "" } });
      continue;
    }
    const node: Node = {
      apiVersion: "hubwire/v1",
      kind: "Node",
      metadata: { name: s.nodeName, labels: { ...(policy?.spec.labels ?? {}) } },
      spec: {
        network: s.network,
        role: s.role,
        endpoint: s.endpoint,
        listenPort: s.listenPort,
        tunnelAddress: s.tunnelAddress,
        subnets: s.subnets,
        hubs: policy?.spec.hubs ?? [],
        publicKey: s.publicKey,
        persistentKeepalive: s.persistentKeepalive,
      },
    };
    result.set(s.nodeName, { node, origin });
  }
  return [...result.values()];
}

/** Builds issues attributed to a resource. */
export function issueFor(
  code: IssueCode,
  resource: { kind: string; name: string; pathPrefix?: string },
  path: string,
  message: string,
): Issue {
  const full = resource.pathPrefix ? (path ? `${resource.pathPrefix}.${path}` : resource.pathPrefix) : path;
  return { code, kind: resource.kind, name: resource.name, path: full, message };
}
