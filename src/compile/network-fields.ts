/**
 * Which Network fields the incremental compiler can take without a full compile. A field is
 * listed here only when its effect on every node's state is a field update that recompiling each
 * node's own state from the unchanged plan reproduces: it enters no validation across nodes, no
 * address allocation, no destination class and no hub fragment (hub-fragments.ts: a fragment is
 * the node's peer and routes, which carry none of them). Everything else about a network — its
 * prefixes, port range, topology, default action, preshared keys — changes what is checked,
 * allocated or cached, and goes to a full compile.
 *
 * The equivalence test (incremental-network.test.ts) holds this list to a full compile, and
 * fails when the Network schema gains a field this file does not classify.
 */
import type { Network } from "../model/index.js";

type SpecField = keyof Network["spec"];

/** Fields whose change is a per-node field update: `mtu` on each interface, keepalive on peers. */
export const PATCHABLE_NETWORK_FIELDS: ReadonlySet<SpecField> = new Set<SpecField>([
  "mtu",
  "persistentKeepalive",
  "description",
]);

/** Fields whose change needs a full compile (see above). */
export const STRUCTURAL_NETWORK_FIELDS: ReadonlySet<SpecField> = new Set<SpecField>([
  "cidr",
  "cidr6",
  "listenPortRange",
  "presharedKeys",
  "topology",
  "defaultAction",
]);

/**
 * Whether `after` differs from `before` only in patchable spec fields (metadata and status are
 * not read by the compiler beyond the name). An unclassified field counts as structural.
 */
export function onlyPatchableFields(before: Network, after: Network): boolean {
  if (before.metadata.name !== after.metadata.name) return false;
  const a = before.spec as Record<string, unknown>;
  const b = after.spec as Record<string, unknown>;
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (PATCHABLE_NETWORK_FIELDS.has(key as SpecField)) continue;
    if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) return false;
  }
  return true;
}
