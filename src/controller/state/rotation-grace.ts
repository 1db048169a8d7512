/**
 * Key rotation with a grace period (SPEC §4). While a node's rotation is unproven — the Node's
 * controller-owned `status.keyRotation` names the key it had — every peer entry for that node
 * keeps the OLD key with the node's AllowedIPs, and the NEW key is added as a second peer with no
 * AllowedIPs: a node that crashed before switching still has its tunnel, the new key can already
 * handshake (which proves it runs), and no two peers of one interface claim the same prefix. When
 * the node proves it applied the new key (its status report says so, or a peer reports a handshake
 * from it) or the grace period ends, the status goes and the old peer with it.
 *
 * Applied to compiled states on the controller (the compiler stays unaware of rotations): pure,
 * and a no-op without rotations.
 */
import { createHash } from "node:crypto";
import type { DesiredState, InterfaceConfig, PeerConfig, Resource } from "../../model/index.js";

/** The key of a Node's `status` that records an unproven rotation. */
export const ROTATION_STATUS = "keyRotation";

/** One node's rotation in progress. */
export interface Rotation {
  readonly node: string;
  readonly network: string;
  /** The key the node had (still valid, with its AllowedIPs). */
  readonly previousPublicKey: string;
  /** The key it rotated to (the Node's `spec.publicKey`). */
  readonly publicKey: string;
  readonly startedAt: string;
  /** When the old key goes even without proof (ISO-8601). */
  readonly graceUntil: string;
}

/** What a Node's status records (the rest of Rotation comes from the Node). */
export interface RotationStatus {
  readonly previousPublicKey: string;
  readonly startedAt: string;
  readonly graceUntil: string;
}

export function rotationOf(r: Resource): Rotation | undefined {
  if (r.kind !== "Node" || !r.spec.publicKey) return undefined;
  const s = (r.status as Record<string, unknown> | undefined)?.[ROTATION_STATUS] as
    | Partial<RotationStatus>
    | undefined;
  if (typeof s?.previousPublicKey !== "string" || s.previousPublicKey === r.spec.publicKey) return undefined;
  return {
    node: r.metadata.name,
    network: r.spec.network,
    previousPublicKey: s.previousPublicKey,
    publicKey: r.spec.publicKey,
    startedAt: String(s.startedAt ?? ""),
    graceUntil: String(s.graceUntil ?? ""),
  };
}

/** Rotations in progress among `resources`, by node name. */
export function rotationsIn(resources: Iterable<Resource>): Map<string, Rotation> {
  const out = new Map<string, Rotation>();
  for (const r of resources) {
    if (r.kind !== "Node" || r.status === undefined) continue;
    const rot = rotationOf(r);
    if (rot) out.set(rot.node, rot);
  }
  return out;
}

function overlayPeers(peers: readonly PeerConfig[], rotations: ReadonlyMap<string, Rotation>) {
  let touched = false;
  const out: PeerConfig[] = [];
  for (const p of peers) {
    const rot = rotations.get(p.name);
    if (!rot || rot.publicKey !== p.publicKey) {
      out.push(p);
      continue;
    }
    touched = true;
    out.push({ ...p, publicKey: rot.previousPublicKey }, { ...p, publicKey: rot.publicKey, allowedIPs: [] });
  }
  return touched ? out : undefined;
}

/**
 * `states` with the grace overlay of `rotations`, and the nodes it changed (their revisions move
 * too, so a rotation starting or ending reaches them). Returns `states` itself without rotations.
 */
export function withGrace(
  states: ReadonlyMap<string, DesiredState>,
  rotations: ReadonlyMap<string, Rotation>,
): { states: ReadonlyMap<string, DesiredState>; affected: ReadonlySet<string> } {
  if (rotations.size === 0) return { states, affected: new Set() };
  const networks = new Set([...rotations.values()].map((r) => r.network));
  const out = new Map(states);
  const affected = new Set<string>();
  for (const [name, state] of states) {
    if (!networks.has(state.network)) continue;
    let changed = false;
    const interfaces: InterfaceConfig[] = state.interfaces.map((i) => {
      const peers = overlayPeers(i.peers, rotations);
      if (!peers) return i;
      changed = true;
      return { ...i, peers };
    });
    if (!changed) continue;
    const graced = [...rotations.values()]
      .filter((r) => r.network === state.network)
      .map((r) => [r.node, r.previousPublicKey, r.publicKey]);
    const revision = createHash("sha256")
      .update(`${state.revision}\n${JSON.stringify(graced)}`)
      .digest("hex")
      .slice(0, 32);
    out.set(name, { ...state, revision, interfaces });
    affected.add(name);
  }
  return { states: out, affected };
}
