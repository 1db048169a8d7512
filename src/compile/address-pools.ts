/**
 * Where IPAM allocates a node's tunnel address: inside the tunnel-address prefixes of the
 * enrollment policy the node would join under, so that a node declared without an address (in
 * YAML or the UI) can then be joined by its agent with no flags — the enrollment checks accept
 * only addresses inside the policy's prefixes. That policy is the first, by name, of the node's
 * network and role whose name patterns match the node; with none (or one without prefixes of
 * that family), the network's overlay.
 */
import { byteOrder, type EnrollmentPolicy, matchesNamePattern } from "../model/index.js";
import { containsPrefix, type Prefix, parsePrefix } from "../netaddr/index.js";

export interface PoolQuery {
  readonly name: string;
  readonly network: string;
  readonly role: string;
}

/** The policy `node` would enroll under, or undefined. */
export function enrollmentPolicyFor(
  policies: readonly EnrollmentPolicy[],
  node: PoolQuery,
): EnrollmentPolicy | undefined {
  return [...policies]
    .sort((a, b) => byteOrder(a.metadata.name, b.metadata.name))
    .find(
      (p) =>
        p.spec.network === node.network &&
        p.spec.role === node.role &&
        p.spec.nodeNames.some((pattern) => matchesNamePattern(pattern, node.name)),
    );
}

/**
 * The pools to allocate `node`'s address of `overlay`'s family from, in order: its policy's
 * prefixes of that family inside the overlay, else the overlay itself.
 */
export function addressPoolsFor(
  policies: readonly EnrollmentPolicy[],
  node: PoolQuery,
  overlay: Prefix,
): Prefix[] {
  const policy = enrollmentPolicyFor(policies, node);
  const pools: Prefix[] = [];
  for (const text of policy?.spec.tunnelAddressPrefixes ?? []) {
    const parsed = parsePrefix(text);
    if (parsed.ok && parsed.prefix.family === overlay.family && containsPrefix(overlay, parsed.prefix))
      pools.push(parsed.prefix);
  }
  return pools.length > 0 ? pools : [overlay];
}
