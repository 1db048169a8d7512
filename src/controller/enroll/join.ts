/**
 * `POST /enroll/v1/join`: an agent asks to join. Lock-free checks first (verify.ts); then one
 * intent transaction consumes the nonce, checks the request against the policy and the intent,
 * counts the token's use, reserves the tunnel address and records the Enrollment — and for an
 * `approval: auto` policy creates the Node and issues the node's credential. So parallel requests
 * can neither use a one-use token twice nor get the same address.
 */
import type { EnrollAnswer, JoinBody } from "../../model/enroll-wire.js";
import type { Enrollment, EnrollmentPolicy, Network, Node } from "../../model/index.js";
import { forgetNodeCredential, issueNodeCredential } from "../auth/node-credentials.js";
import type { Db, Tx } from "../db/open.js";
import { appendAudit } from "../db/repo-audit.js";
import { claimNonce, consumeJoinToken, getJoinToken } from "../db/repo-join-tokens.js";
import { DomainError } from "../errors.js";
import type { Change, IntentStore, TransactPlan } from "../state/intent-store.js";
import { resourceKey, type Snapshot } from "../state/snapshot.js";
import { checkRequest, currentKeyOf, enrollmentStateOf } from "./checks.js";
import type { EnrollmentConfig } from "./config.js";
import { HolderIndex } from "./holder-index.js";
import { controllerIdentity } from "./identity.js";
import { answerFor, enrollmentRecord, expiryOf, nodeFor } from "./records.js";
import { EnrollRejection, recordRefusal } from "./rejection.js";
import { type Seen, type VerifiedJoin, verifyJoin } from "./verify.js";

/** What enrollment handlers use. */
export interface EnrollServices {
  readonly db: Db;
  readonly intent: IntentStore;
  readonly config: EnrollmentConfig;
  now(): Date;
}

/** The checks a request passed, recorded in `status.checks`. */
const CHECKS = [
  "token",
  "hmac",
  "audience",
  "timestamp",
  "proof-of-possession",
  "nonce",
  "policy",
  "name",
  "public-key",
  "endpoint",
  "subnets",
  "tunnel-address",
  "token-uses",
];

const TERMINAL: Record<
  string,
  { reason: "enrollment-rejected" | "node-revoked" | "enrollment-expired"; text: string }
> = {
  Rejected: { reason: "enrollment-rejected", text: "the enrollment was rejected" },
  Revoked: { reason: "node-revoked", text: "the node was revoked; it cannot enroll again under this name" },
  Expired: { reason: "enrollment-expired", text: "the enrollment expired" },
};

/** Handles one join request from `source`; refusals are audited (and their nonce kept) before they are thrown. */
export async function join(s: EnrollServices, body: JoinBody, source: string): Promise<EnrollAnswer> {
  const now = s.now();
  const seen: Seen = {};
  try {
    const identity = await controllerIdentity(s.db);
    const verified = await verifyJoin(s.db, identity, body, now, s.config.skewMs, seen);
    const { result } = await s.intent.transact(
      { actor: `agent:${verified.request.nodeName}`, source },
      (tx, snap) => decide(s, tx, snap, verified, now, source),
    );
    return result;
  } catch (error) {
    const rejection =
      error instanceof EnrollRejection
        ? error
        : error instanceof DomainError && error.code === "validation-failed"
          ? new EnrollRejection(
              "invalid-node",
              `the node would make the intent invalid: ${error.issues?.map((i) => `${i.path} ${i.message}`).join("; ")}`,
            )
          : undefined;
    if (!rejection) throw error;
    await recordRefusal(s.db, rejection, { at: now, source, ...seen });
    throw rejection;
  }
}

async function decide(
  s: EnrollServices,
  tx: Tx,
  snap: Snapshot,
  { token, request }: VerifiedJoin,
  now: Date,
  source: string,
): Promise<TransactPlan<EnrollAnswer>> {
  const at = now.toISOString();
  const name = request.nodeName;
  if (!(await claimNonce(tx, token.policy, request.nonce, at))) {
    throw new EnrollRejection("replayed-nonce", "the nonce was already used");
  }
  const policy = snap.resources.get(resourceKey("EnrollmentPolicy", token.policy)) as
    | EnrollmentPolicy
    | undefined;
  if (!policy)
    throw new EnrollRejection("unknown-policy", `enrollment policy ${token.policy} does not exist`);
  const existing = snap.resources.get(resourceKey("Enrollment", name)) as Enrollment | undefined;
  const declared = snap.resources.get(resourceKey("Node", name)) as Node | undefined;
  const audit = (action: string, after: Record<string, string>) =>
    appendAudit(tx, {
      at,
      actor: `agent:${name}`,
      source,
      action,
      kind: "Enrollment",
      name,
      before: null,
      after,
    });

  if (existing) {
    const state = enrollmentStateOf(existing) ?? "Pending";
    const same = existing.spec.publicKey === request.publicKey && existing.spec.policy === request.policy;
    const terminal = TERMINAL[state];
    if (terminal && (same || state === "Revoked"))
      throw new EnrollRejection(terminal.reason, terminal.text, state);
    if (!same)
      throw new EnrollRejection("name-taken", `node ${name} is already enrolled with another key`, state);
    // An idempotent retry (same node, key and policy): the same answer, no second node, no token use.
    let credential: string | undefined;
    if (state === "Approved") {
      if (currentKeyOf(snap, existing) !== request.publicKey)
        throw new EnrollRejection("name-taken", `node ${name} has rotated to another key`, state);
      credential = await issueNodeCredential(tx, name, now);
    }
    await audit("enroll-retry", { state });
    return { changes: [], result: answerFor(existing, s.config, credential) };
  }
  if (declared) {
    if (declared.spec.publicKey !== undefined && declared.spec.publicKey !== request.publicKey) {
      throw new EnrollRejection("name-taken", `node ${name} is declared with another public key`);
    }
    if (declared.spec.network !== request.network || declared.spec.role !== request.role) {
      throw new EnrollRejection("name-taken", `node ${name} is declared in another network or role`);
    }
  }
  // Kept in step with the intent this write sees (its batch's earlier writes included).
  const held = HolderIndex.of(s.intent, snap.resources);
  if (policy.spec.maxUses !== undefined) {
    if (held.usesOf(token.policy) >= policy.spec.maxUses) {
      throw new EnrollRejection(
        "policy-used-up",
        `policy ${token.policy} reached its ${policy.spec.maxUses} enrollments`,
      );
    }
  }
  const network = snap.resources.get(resourceKey("Network", policy.spec.network)) as Network | undefined;
  const wanted = request.tunnelAddress ?? declared?.spec.tunnelAddress;
  const tunnelAddress = checkRequest(
    { ...request, tunnelAddress: wanted },
    policy,
    network,
    snap.resources,
    held,
  );
  if (!(await consumeJoinToken(tx, token.id, at))) throw await tokenRefusal(tx, token.id, at);

  const auto = policy.spec.approval === "auto";
  const expiresAt = expiryOf(policy, request.timestamp);
  const record = enrollmentRecord(request, {
    state: auto ? "Approved" : "Pending",
    reason: auto ? `approved by policy ${policy.metadata.name}` : "waiting for an operator's approval",
    checks: CHECKS,
    tunnelAddress,
    tokenId: token.id,
    requestedAt: at,
    ...(expiresAt ? { expiresAt } : {}),
    ...(auto ? { decidedBy: `policy:${policy.metadata.name}`, decidedAt: at } : {}),
  });
  const changes: Change[] = [];
  let credential: string | undefined;
  // A new enrollment is a new identity: a credential row left by an earlier enrollment of this
  // name (deleted by an operator after its revocation) must not block or outlive it.
  await forgetNodeCredential(tx, name);
  if (auto) {
    changes.push({ op: "put", resource: nodeFor(record, policy, declared) });
    credential = await issueNodeCredential(tx, name, now);
  }
  await audit(auto ? "approve" : "enroll-request", {
    state: auto ? "Approved" : "Pending",
    policy: policy.metadata.name,
    tokenId: token.id,
    tunnelAddress,
    reason: String(record.status?.reason),
  });
  return { changes, records: [record], result: answerFor(record, s.config, credential) };
}

/** Why `consumeJoinToken` refused: read again inside the transaction. */
async function tokenRefusal(tx: Tx, id: string, at: string): Promise<EnrollRejection> {
  const t = await getJoinToken(tx, id);
  if (!t || t.revoked_at !== null) return new EnrollRejection("token-revoked", "the join token was revoked");
  if (t.expires_at !== null && t.expires_at <= at)
    return new EnrollRejection("token-expired", "the join token has expired");
  return new EnrollRejection("token-used-up", "the join token has no uses left");
}
