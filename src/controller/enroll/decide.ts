/**
 * Operator decisions and the clock's: approve and reject a Pending enrollment, revoke an Approved
 * node, expire what outlived its policy's TTL. Only the transitions of SPEC §4 exist —
 * Pending → Approved | Rejected, Approved → Revoked, Pending | Approved → Expired — each audited
 * with actor and reason. Approval creates (or completes) the Node through the intent store, so a
 * new revision carries it to the hubs; revocation and expiry take the node's key out of the intent
 * (its peers leave every hub at the next revision) and revoke its credential at once. A final
 * state (Rejected, Revoked, Expired) ends only by an operator's reset, which lets the name enroll
 * again.
 */
import type { Enrollment, EnrollmentPolicy, Node } from "../../model/index.js";
import { forgetNodeCredential, revokeNodeCredentialOf } from "../auth/node-credentials.js";
import type { Tx } from "../db/open.js";
import { appendAudit } from "../db/repo-audit.js";
import { DomainError } from "../errors.js";
import type { Actor, Change } from "../state/intent-store.js";
import { resourceKey, type Snapshot } from "../state/snapshot.js";
import { enrollmentStateOf } from "./checks.js";
import type { EnrollServices } from "./join.js";
import { type EnrollmentStatus, nodeFor, withoutKey, withState } from "./records.js";

type Decision = "approve" | "reject";

function pendingEnrollment(snap: Snapshot, name: string, verb: string, now: Date): Enrollment {
  const e = snap.resources.get(resourceKey("Enrollment", name)) as Enrollment | undefined;
  if (!e) throw new DomainError("not-found", `Enrollment/${name} does not exist`);
  const state = enrollmentStateOf(e) ?? "Pending";
  if (state !== "Pending")
    throw new DomainError("conflict", `cannot ${verb} Enrollment/${name}: it is ${state}`);
  const expiresAt = e.status?.expiresAt;
  if (typeof expiresAt === "string" && expiresAt <= now.toISOString()) {
    throw new DomainError("conflict", `cannot ${verb} Enrollment/${name}: it expired at ${expiresAt}`);
  }
  return e;
}

async function auditTransition(
  tx: Tx,
  actor: Actor,
  at: string,
  action: string,
  e: Enrollment,
  next: Enrollment,
) {
  await appendAudit(tx, {
    at,
    actor: actor.actor,
    source: actor.source,
    action,
    kind: "Enrollment",
    name: e.metadata.name,
    before: { state: String(enrollmentStateOf(e)) },
    after: { state: String(enrollmentStateOf(next)), reason: String(next.status?.reason ?? "") },
  });
}

/** Approves or rejects a Pending enrollment; returns the Enrollment as stored. */
export async function decideEnrollment(
  s: EnrollServices,
  actor: Actor,
  name: string,
  decision: Decision,
  reason: string,
): Promise<Enrollment> {
  const now = s.now();
  const at = now.toISOString();
  const { result } = await s.intent.transact(actor, async (tx, snap) => {
    const e = pendingEnrollment(snap, name, decision, now);
    const state: EnrollmentStatus["state"] = decision === "approve" ? "Approved" : "Rejected";
    const next = withState(e, { state, reason, decidedBy: actor.actor, decidedAt: at });
    const changes: Change[] = [];
    if (decision === "approve") {
      const policy = snap.resources.get(resourceKey("EnrollmentPolicy", e.spec.policy)) as
        | EnrollmentPolicy
        | undefined;
      const declared = snap.resources.get(resourceKey("Node", name)) as Node | undefined;
      changes.push({ op: "put", resource: nodeFor(e, policy, declared) });
    }
    await auditTransition(tx, actor, at, decision, e, next);
    return { changes, records: [next], result: next };
  });
  return result;
}

/** The intent changes that take `name`'s key out and its credential away (revocation, expiry). */
async function cutOff(tx: Tx, snap: Snapshot, name: string, now: Date): Promise<Change[]> {
  await revokeNodeCredentialOf(tx, name, now);
  const node = snap.resources.get(resourceKey("Node", name)) as Node | undefined;
  return node?.spec.publicKey !== undefined ? [{ op: "put", resource: withoutKey(node) }] : [];
}

/** Revokes an Approved node: credential at once, peers at the next revision. */
export async function revokeNode(
  s: EnrollServices,
  actor: Actor,
  name: string,
  reason: string,
): Promise<Enrollment> {
  const now = s.now();
  const at = now.toISOString();
  const { result } = await s.intent.transact(actor, async (tx, snap) => {
    const e = snap.resources.get(resourceKey("Enrollment", name)) as Enrollment | undefined;
    if (!e) throw new DomainError("not-found", `node ${name} has no enrollment to revoke`);
    const state = enrollmentStateOf(e);
    if (state !== "Approved")
      throw new DomainError("conflict", `cannot revoke node ${name}: its enrollment is ${state}`);
    const next = withState(e, { state: "Revoked", reason, decidedBy: actor.actor, decidedAt: at });
    const changes = await cutOff(tx, snap, name, now);
    await auditTransition(tx, actor, at, "revoke", e, next);
    return { changes, records: [next], result: next };
  });
  return result;
}

/** Moves every Pending or Approved enrollment whose `expiresAt` has passed to Expired; returns their names. */
export async function expireEnrollments(s: EnrollServices): Promise<string[]> {
  const now = s.now();
  const at = now.toISOString();
  const snap = await s.intent.current();
  const due = [...snap.resources.values()].filter(
    (r): r is Enrollment =>
      r.kind === "Enrollment" &&
      ["Pending", "Approved"].includes(enrollmentStateOf(r) ?? "") &&
      typeof r.status?.expiresAt === "string" &&
      r.status.expiresAt <= at,
  );
  if (due.length === 0) return [];
  const actor = { actor: "system", source: "expiry" };
  const { result } = await s.intent.transact(actor, async (tx, fresh) => {
    const changes: Change[] = [];
    const records: Enrollment[] = [];
    for (const d of due) {
      const e = fresh.resources.get(resourceKey("Enrollment", d.metadata.name)) as Enrollment | undefined;
      if (!e || !["Pending", "Approved"].includes(enrollmentStateOf(e) ?? "")) continue;
      const next = withState(e, {
        state: "Expired",
        reason: `expired at ${String(e.status?.expiresAt)}`,
        decidedBy: "system",
        decidedAt: at,
      });
      if (enrollmentStateOf(e) === "Approved")
        changes.push(...(await cutOff(tx, fresh, e.metadata.name, now)));
      await auditTransition(tx, actor, at, "expire", e, next);
      records.push(next);
    }
    return { changes, records, result: records.map((r) => r.metadata.name) };
  });
  return result;
}

/** States that keep a name from enrolling again until an operator resets them. */
export const RESETTABLE = ["Rejected", "Revoked", "Expired"] as const;

/**
 * Resets a Rejected, Revoked or Expired enrollment so that `name` may enroll again (with a new
 * token and key): the Enrollment goes (the Node, keyless since its revocation, stays with its
 * address and labels, and an approval of the next enrollment completes it), and so does any
 * credential row of the old identity. Audited as `reset` with the state it ended; any other state
 * is refused with `conflict` and changes nothing.
 */
export async function resetEnrollment(
  s: EnrollServices,
  actor: Actor,
  name: string,
  reason: string,
): Promise<{ node: string; state: string }> {
  const at = s.now().toISOString();
  const { result } = await s.intent.transact(actor, async (tx, snap) => {
    const e = snap.resources.get(resourceKey("Enrollment", name)) as Enrollment | undefined;
    if (!e) throw new DomainError("not-found", `Enrollment/${name} does not exist`);
    const state = enrollmentStateOf(e) ?? "Pending";
    if (!(RESETTABLE as readonly string[]).includes(state)) {
      throw new DomainError(
        "conflict",
        `cannot reset Enrollment/${name}: it is ${state} (only ${RESETTABLE.join(", ")} ones are reset)`,
      );
    }
    await forgetNodeCredential(tx, name);
    await appendAudit(tx, {
      at,
      actor: actor.actor,
      source: actor.source,
      action: "reset",
      kind: "Enrollment",
      name,
      before: { state, reason: String(e.status?.reason ?? "") },
      after: { state: "none", reason },
    });
    const changes: Change[] = [{ op: "delete", kind: "Enrollment", name }];
    return { changes, result: { node: name, state } };
  });
  return result;
}
