/**
 * `POST /agent/v1/rotate-key`: an enrolled node replaces its WireGuard public key, authenticated
 * by its node credential and proving possession of the NEW private key. The Node's key is replaced
 * through the intent store, and the old key stays valid beside it (state/rotation-grace.ts) until
 * the node proves it applied the new one or the grace period ends (rotation-finish.ts).
 */
import { verifyKeyProof } from "../../keys/proof.js";
import { type RotateAnswer, type RotateBody, rotateProofMessage } from "../../model/enroll-wire.js";
import type { Node } from "../../model/index.js";
import { appendAudit } from "../db/repo-audit.js";
import { claimNonce } from "../db/repo-join-tokens.js";
import { DomainError } from "../errors.js";
import { ROTATION_STATUS, type RotationStatus } from "../state/rotation-grace.js";
import { resourceKey } from "../state/snapshot.js";
import { enrollmentStateOf } from "./checks.js";
import { controllerIdentity, nodeProofKeys } from "./identity.js";
import type { EnrollServices } from "./join.js";
import { EnrollRejection, recordRefusal } from "./rejection.js";
import { withinSkew } from "./verify.js";

export async function rotateKey(
  s: EnrollServices,
  node: string,
  body: RotateBody,
  source: string,
): Promise<RotateAnswer> {
  const now = s.now();
  const scope = `node/${node}`;
  let nonce: { scope: string; value: string } | undefined;
  try {
    const identity = await controllerIdentity(s.db);
    const message = rotateProofMessage(node, body);
    // The agent keeps the controller key of the token it joined with, which a rotation may have retired.
    if (
      !nodeProofKeys(identity).some((key) =>
        verifyKeyProof(key, body.publicKey, "rotate", message, body.proof),
      )
    ) {
      throw new EnrollRejection("bad-proof", "the proof of possession does not match the new public key");
    }
    nonce = { scope, value: body.nonce };
    if (!withinSkew(body.timestamp, now, s.config.skewMs)) {
      throw new EnrollRejection(
        "clock-skew",
        `the timestamp ${body.timestamp} is too far from the controller's clock`,
      );
    }
    const { outcome } = await s.intent.transact({ actor: `agent:${node}`, source }, async (tx, snap) => {
      if (!(await claimNonce(tx, scope, body.nonce, now.toISOString()))) {
        throw new EnrollRejection("replayed-nonce", "the nonce was already used");
      }
      const current = snap.resources.get(resourceKey("Node", node)) as Node | undefined;
      if (!current) throw new DomainError("not-found", `node ${node} is not in the intent`);
      if (current.spec.publicKey === undefined)
        throw new DomainError("conflict", `node ${node} has no key to rotate`);
      for (const r of snap.resources.values()) {
        if (r.metadata.name === node) continue;
        // Nodes hold keys; of enrollments only Pending ones (an approved one is its Node).
        const key =
          r.kind === "Node"
            ? r.spec.publicKey
            : r.kind === "Enrollment" && enrollmentStateOf(r) === "Pending"
              ? r.spec.publicKey
              : undefined;
        if (key === body.publicKey)
          throw new EnrollRejection("key-in-use", "the public key is already held by another node");
      }
      for (const r of snap.rotations.values()) {
        if (r.node !== node && r.previousPublicKey === body.publicKey)
          throw new EnrollRejection("key-in-use", "the public key is still valid for another node");
      }
      // A retry of the rotation already recorded (the agent crashed before switching) changes nothing.
      if (current.spec.publicKey === body.publicKey) return { changes: [], result: undefined };
      // The key the node last proved it runs stays valid until it proves the new one.
      const previous = snap.rotations.get(node)?.previousPublicKey ?? current.spec.publicKey;
      const rotation: RotationStatus = {
        previousPublicKey: previous,
        startedAt: now.toISOString(),
        graceUntil: new Date(now.getTime() + s.config.rotationGraceMs).toISOString(),
      };
      const withStatus = {
        ...current,
        status: { ...(current.status ?? {}), [ROTATION_STATUS]: rotation },
      } as Node;
      const next: Node = { ...current, spec: { ...current.spec, publicKey: body.publicKey } };
      await appendAudit(tx, {
        at: now.toISOString(),
        actor: `agent:${node}`,
        source,
        action: "key-rotation-started",
        kind: "Node",
        name: node,
        before: { publicKey: current.spec.publicKey },
        after: { publicKey: body.publicKey, ...rotation },
      });
      return { changes: [{ op: "put", resource: next }], records: [withStatus], result: undefined };
    });
    return { node, publicKey: body.publicKey, revision: outcome.revision };
  } catch (error) {
    if (!(error instanceof EnrollRejection)) throw error;
    if (error.reason === "replayed-nonce") nonce = undefined;
    await recordRefusal(s.db, error, { at: now, source, node, nonce, action: "rotate-refused" });
    throw error;
  }
}
