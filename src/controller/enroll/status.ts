/**
 * `POST /enroll/v1/status`: a node that asked to join learns how its enrollment stands, proving
 * with a fresh nonce that it holds the private key it enrolled with — no join token needed, so an
 * operator may approve long after the token expired. Once Approved, each answer carries a newly
 * issued node credential (which replaces any earlier one): only the key holder can ask, and the
 * controller never stores a credential it could hand out again.
 */
import { verifyKeyProof } from "../../keys/proof.js";
import { type EnrollAnswer, type StatusBody, statusProofMessage } from "../../model/enroll-wire.js";
import type { Enrollment } from "../../model/index.js";
import { issueNodeCredential } from "../auth/node-credentials.js";
import { appendAudit } from "../db/repo-audit.js";
import { claimNonce } from "../db/repo-join-tokens.js";
import { getResource } from "../db/repo-resources.js";
import { fromRow } from "../state/rows.js";
import { resourceKey } from "../state/snapshot.js";
import { currentKeyOf, enrollmentStateOf } from "./checks.js";
import { controllerIdentity, nodeProofKeys } from "./identity.js";
import type { EnrollServices } from "./join.js";
import { answerFor } from "./records.js";
import { EnrollRejection, recordRefusal } from "./rejection.js";
import { withinSkew } from "./verify.js";

export async function enrollmentStatus(
  s: EnrollServices,
  body: StatusBody,
  source: string,
): Promise<EnrollAnswer> {
  const now = s.now();
  const at = now.toISOString();
  let nonce: { scope: string; value: string } | undefined;
  try {
    const identity = await controllerIdentity(s.db);
    const row = await getResource(s.db.kysely, "Enrollment", body.node);
    const e = row ? (fromRow(row) as Enrollment) : undefined;
    if (!e || e.spec.publicKey !== body.publicKey) {
      throw new EnrollRejection("unknown-enrollment", `no enrollment of ${body.node} with this public key`);
    }
    const message = statusProofMessage(body);
    // The agent proves against the key of the token it joined with, which a rotation may have retired.
    if (
      !nodeProofKeys(identity).some((key) =>
        verifyKeyProof(key, body.publicKey, "status", message, body.proof),
      )
    ) {
      throw new EnrollRejection("bad-proof", "the proof of possession does not match the public key");
    }
    nonce = { scope: e.spec.policy, value: body.nonce };
    if (!withinSkew(body.timestamp, now, s.config.skewMs)) {
      throw new EnrollRejection(
        "clock-skew",
        `the timestamp ${body.timestamp} is too far from the controller's clock`,
      );
    }
    const scope = e.spec.policy;
    // Under the intent writers' lock, against the intent as it is now: a revocation or rotation
    // committed since the read above is seen, so no credential outlives either.
    const { result } = await s.intent.transact({ actor: `agent:${body.node}`, source }, async (tx, snap) => {
      if (!(await claimNonce(tx, scope, body.nonce, at))) {
        throw new EnrollRejection("replayed-nonce", "the nonce was already used");
      }
      const current = snap.resources.get(resourceKey("Enrollment", body.node)) as Enrollment | undefined;
      if (!current || current.spec.publicKey !== body.publicKey) {
        throw new EnrollRejection("unknown-enrollment", `no enrollment of ${body.node} with this public key`);
      }
      if (enrollmentStateOf(current) !== "Approved")
        return { changes: [], result: answerFor(current, s.config) };
      if (currentKeyOf(snap, current) !== body.publicKey) {
        throw new EnrollRejection("unknown-enrollment", `${body.node} has rotated to another key`);
      }
      const credential = await issueNodeCredential(tx, body.node, now);
      await appendAudit(tx, {
        at,
        actor: `agent:${body.node}`,
        source,
        action: "issue-credential",
        kind: "Enrollment",
        name: body.node,
        before: null,
        after: { state: "Approved" },
      });
      return { changes: [], result: answerFor(current, s.config, credential) };
    });
    return result;
  } catch (error) {
    if (!(error instanceof EnrollRejection)) throw error;
    if (error.reason === "replayed-nonce") nonce = undefined;
    await recordRefusal(s.db, error, { at: now, source, node: body.node, nonce, action: "status-refused" });
    throw error;
  }
}
