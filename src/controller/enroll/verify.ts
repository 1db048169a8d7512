/**
 * The checks of an enrollment request that need no lock: the token (known, secret, not revoked or
 * expired), the request's shape, its HMAC, audience, timestamp and proof of possession, and a
 * first look for a replayed nonce. Everything that depends on the intent runs later, inside the
 * enrollment transaction (join.ts).
 */
import { verifyKeyProof } from "../../keys/proof.js";
import type { EnrollReason, JoinBody } from "../../model/enroll-wire.js";
import { enrollmentSpec } from "../../model/index.js";
import { type JoinRequest, joinPayload, verifyJoinHmac } from "../../model/join-payload.js";
import { hashSecret, safeEqualHex } from "../auth/secrets.js";
import type { Db } from "../db/open.js";
import { getJoinToken, type JoinTokenRecord, nonceSeen } from "../db/repo-join-tokens.js";
import { type ControllerIdentity, joinKeys } from "./identity.js";
import { EnrollRejection } from "./rejection.js";

/** A request that passed every lock-free check. */
export interface VerifiedJoin {
  readonly token: JoinTokenRecord;
  readonly request: JoinRequest & { hmac: string };
}

/** What the refusal of a request that got this far may record. */
export interface Seen {
  node?: string;
  policy?: string;
  tokenId?: string;
  nonce?: { scope: string; value: string };
}

/** Whether `timestamp` is within `skewMs` of `now` (both ends included). */
export function withinSkew(timestamp: string, now: Date, skewMs: number): boolean {
  const at = Date.parse(timestamp);
  return Number.isFinite(at) && Math.abs(now.getTime() - at) <= skewMs;
}

function shapeReason(path: PropertyKey[]): EnrollReason {
  if (path[0] === "nodeName") return "invalid-name";
  if (path[0] === "subnets") return "invalid-subnet";
  return "invalid-request";
}

/** The join token `id` when `secret` is its secret (compared in constant time); else undefined. */
export async function tokenWithSecret(
  db: Db,
  id: string,
  secret: string,
): Promise<JoinTokenRecord | undefined> {
  const token = await getJoinToken(db.kysely, id);
  return token && safeEqualHex(token.secret_hash, hashSecret(secret)) ? token : undefined;
}

/**
 * Runs the lock-free checks in order, filling `seen` with what the audit entry of a refusal may
 * name (and the nonce it consumes once the request is proven to come from a token holder).
 */
export async function verifyJoin(
  db: Db,
  identity: ControllerIdentity,
  body: JoinBody,
  now: Date,
  skewMs: number,
  seen: Seen,
): Promise<VerifiedJoin> {
  seen.tokenId = body.tokenId;
  const token = await tokenWithSecret(db, body.tokenId, body.tokenSecret);
  if (!token) {
    throw new EnrollRejection("unknown-token", "no such join token, or a wrong secret");
  }
  seen.policy = token.policy;
  if (token.revoked_at !== null) throw new EnrollRejection("token-revoked", "the join token was revoked");
  if (token.expires_at !== null && token.expires_at <= now.toISOString()) {
    throw new EnrollRejection("token-expired", "the join token has expired");
  }
  const raw = body.request;
  if (typeof raw.nodeName === "string" && /^[a-z0-9-]{1,63}$/.test(raw.nodeName)) seen.node = raw.nodeName;
  const parsed = enrollmentSpec.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new EnrollRejection(shapeReason(issue.path), `request.${issue.path.join(".")}: ${issue.message}`);
  }
  const request = parsed.data as JoinRequest & { hmac: string };
  seen.node = request.nodeName;
  if (request.policy !== token.policy) {
    throw new EnrollRejection("policy-mismatch", `the join token is for policy ${token.policy}`);
  }
  if (!verifyJoinHmac(request, body.tokenSecret, request.hmac)) {
    throw new EnrollRejection("bad-hmac", "the HMAC does not match the request and the token's secret");
  }
  // From here on the request provably comes from a holder of the token: its nonce is consumed.
  seen.nonce = { scope: token.policy, value: request.nonce };
  if (request.audience !== identity.id) {
    throw new EnrollRejection(
      "wrong-audience",
      `the request is addressed to ${request.audience}, not this controller`,
    );
  }
  if (!withinSkew(request.timestamp, now, skewMs)) {
    throw new EnrollRejection(
      "clock-skew",
      `the request's timestamp ${request.timestamp} is more than ${skewMs / 1000} s from the controller's clock`,
    );
  }
  if (body.proof === "")
    throw new EnrollRejection("missing-proof", "no proof of possession of the private key");
  // Against the controller key the token carries: the one current when it was minted.
  const payload = joinPayload(request);
  const proven = joinKeys(identity, token.created_at).some((key) =>
    verifyKeyProof(key, request.publicKey, "join", payload, body.proof),
  );
  if (!proven) {
    throw new EnrollRejection("bad-proof", "the proof of possession does not match the public key");
  }
  if (await nonceSeen(db.kysely, token.policy, request.nonce)) {
    seen.nonce = undefined; // already stored
    throw new EnrollRejection("replayed-nonce", "the nonce was already used");
  }
  return { token, request };
}
