/**
 * The blast-radius guard's arithmetic (SPEC §5), pure: which peers a hub's new desired state
 * would remove compared with the state last delivered to it, and whether that is too many to
 * deliver without an operator's confirmation. A peer is its public key: a restored old database
 * that gives a node back an old key cuts that node off as surely as deleting it, so it counts.
 */
import type { DesiredState } from "../../model/index.js";

/** When a revision is held. */
export interface GuardPolicy {
  /**
   * Held when it removes more than this share (0–1) of the peers last delivered; 1 never holds.
   * Default {@link DEFAULT_GUARD_POLICY}.
   */
  readonly maxRemovedShare: number;
  /** …and at least this many peers (so a lab hub losing its one spoke is not held). */
  readonly minRemoved: number;
}

export const DEFAULT_GUARD_POLICY: GuardPolicy = { maxRemovedShare: 0.5, minRemoved: 3 };

/** A state's peers as public key → node name, over all its interfaces. */
export type PeerSet = Readonly<Record<string, string>>;

export function peersOf(state: DesiredState): PeerSet {
  const out: Record<string, string> = {};
  for (const i of state.interfaces) for (const p of i.peers) out[p.publicKey] = p.name;
  return out;
}

/** Whether two peer sets hold the same keys with the same names. */
export function samePeerSet(a: PeerSet, b: PeerSet): boolean {
  if (a === b) return true;
  let count = 0;
  for (const key in a) {
    if (b[key] !== a[key]) return false;
    count++;
  }
  for (const _ in b) if (--count < 0) return false;
  return count === 0;
}

/**
 * Whether two states list the same peers (key and name) in the same places: then their peer sets
 * are equal without building them. This is what a hub's next state usually is — a spoke moved a
 * route or an address, the compiler kept every peer where it was — and it costs a pass of
 * reference comparisons instead of two 10,000-entry sets. False says nothing (compare the sets).
 */
export function samePeersInPlace(a: DesiredState, b: DesiredState): boolean {
  if (a.interfaces.length !== b.interfaces.length) return false;
  for (let i = 0; i < a.interfaces.length; i++) {
    const pa = a.interfaces[i]!.peers;
    const pb = b.interfaces[i]!.peers;
    if (pa === pb) continue;
    if (pa.length !== pb.length) return false;
    for (let k = 0; k < pa.length; k++) {
      const x = pa[k]!;
      const y = pb[k]!;
      if (x !== y && (x.publicKey !== y.publicKey || x.name !== y.name)) return false;
    }
  }
  return true;
}

export interface Assessment {
  /** Peers delivered before. */
  readonly before: number;
  /** Names of the delivered peers the new state no longer has (sorted). */
  readonly removed: readonly string[];
  readonly held: boolean;
}

export function assess(delivered: PeerSet, next: PeerSet, policy: GuardPolicy): Assessment {
  const keys = Object.keys(delivered);
  const removed = keys
    .filter((k) => !Object.hasOwn(next, k))
    .map((k) => delivered[k]!)
    .sort();
  const held =
    policy.maxRemovedShare < 1 &&
    removed.length >= policy.minRemoved &&
    removed.length > policy.maxRemovedShare * keys.length;
  return { before: keys.length, removed, held };
}

/** Checks a policy's values; returns the message for the first bad one, naming the setting. */
export function policyProblem(policy: GuardPolicy): string | undefined {
  if (!Number.isFinite(policy.maxRemovedShare) || policy.maxRemovedShare < 0 || policy.maxRemovedShare > 1)
    return "maxRemovedShare must be a number from 0 to 1";
  if (!Number.isSafeInteger(policy.minRemoved) || policy.minRemoved < 1)
    return "minRemoved must be a whole number ≥ 1";
  return undefined;
}
