/**
 * Ending a key rotation's grace (state/rotation-grace.ts): the old key's peers go once the node
 * proves it runs the new key — its own status report says it applied it, or a peer's report shows
 * a handshake from it (only the holder of the new private key can make one) — or when the grace
 * period ends. Each end is one revision, audited with why.
 */
import type { StatusReport } from "../../model/index.js";
import { appendAudit } from "../db/repo-audit.js";
import type { IntentStore } from "../state/intent-store.js";
import { ROTATION_STATUS, type Rotation, rotationOf } from "../state/rotation-grace.js";
import { resourceKey } from "../state/snapshot.js";

/** Why a rotation's grace ended. */
export type RotationEnd = "applied" | "handshake" | "grace-ended";

/** Ends `node`'s rotation (if it still has one); true when it did. */
export async function finishRotation(
  intent: IntentStore,
  node: string,
  why: RotationEnd,
  now: Date,
  seenBy?: string,
): Promise<boolean> {
  const actor = why === "grace-ended" ? "system" : `agent:${seenBy ?? node}`;
  const { result } = await intent.transact({ actor, source: "controller" }, async (tx, snap) => {
    const current = snap.resources.get(resourceKey("Node", node));
    const rotation = current && rotationOf(current);
    if (!current || !rotation) return { changes: [], result: false };
    const { [ROTATION_STATUS]: _done, ...rest } = (current.status ?? {}) as Record<string, unknown>;
    const { status: _status, ...withoutStatus } = current;
    const record = Object.keys(rest).length > 0 ? { ...withoutStatus, status: rest } : withoutStatus;
    await appendAudit(tx, {
      at: now.toISOString(),
      actor,
      source: "controller",
      action: "key-rotation-completed",
      kind: "Node",
      name: node,
      before: { ...rotation },
      after: { publicKey: rotation.publicKey, reason: why, ...(seenBy ? { seenBy } : {}) },
    });
    return { changes: [], records: [record as typeof current], result: true };
  });
  return result;
}

/**
 * Ends the rotations `report` (from `node`) proves: the node's own applied key, and new keys its
 * peers have handshaken with. `rotations`: those in progress as this replica last saw them
 * (finishRotation re-checks inside its transaction); nothing to do without any, the common case.
 */
export async function rotationsProvenBy(
  intent: IntentStore,
  rotations: ReadonlyMap<string, Rotation>,
  node: string,
  report: StatusReport,
  now: Date,
): Promise<void> {
  if (rotations.size === 0) return;
  const own = rotations.get(node);
  if (own && report.publicKey === own.publicKey) await finishRotation(intent, node, "applied", now);
  const byNewKey = new Map([...rotations.values()].map((r) => [r.publicKey, r]));
  const seen = new Set<string>();
  for (const i of report.interfaces) {
    for (const p of i.peers) {
      const r = byNewKey.get(p.publicKey);
      if (r && r.node !== node && p.latestHandshake > 0 && !seen.has(r.node)) {
        seen.add(r.node);
        await finishRotation(intent, r.node, "handshake", now, node);
      }
    }
  }
}

/** Ends every rotation whose grace period is over at `now`; returns their nodes. */
export async function expireRotations(intent: IntentStore, now: Date): Promise<string[]> {
  const snap = await intent.current();
  const due = [...snap.rotations.values()].filter(
    (r) => r.graceUntil !== "" && r.graceUntil <= now.toISOString(),
  );
  const out: string[] = [];
  for (const r of due) if (await finishRotation(intent, r.node, "grace-ended", now)) out.push(r.node);
  return out;
}
