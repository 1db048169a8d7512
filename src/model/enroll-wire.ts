/**
 * The bodies of the enrollment surface (`/enroll/v1/*`, `/agent/v1/rotate-key`) and the exact
 * text each proof of possession signs, shared by controller and agent so the two cannot drift.
 * Pure: schemas and string building only.
 */
import { z } from "zod";
import { dnsLabel } from "./names.js";
import { enrollmentState } from "./resources.js";
import { wgPublicKey } from "./wgkey.js";

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, { error: "must be 64 lowercase hex characters" });
const nonce = z.string().regex(/^[0-9a-f]{32,128}$/, { error: "must be ≥ 128 bits of lowercase hex" });
const timestamp = z.iso.datetime({ offset: false, error: "must be RFC 3339 UTC" });

/**
 * `POST /enroll/v1/join`. `request` is the Enrollment spec as SPEC §3.1 shows it (hmac included);
 * it is validated by the controller so that each problem gets its own reason code. `tokenSecret`
 * travels only inside the pinned TLS connection (as a kubeadm bootstrap token does); `proof` is the
 * proof of possession over the canonical join payload.
 */
/** A request timestamp as the wire wants it: RFC 3339 UTC, whole seconds (`2026-11-22T08:00:00Z`). */
export function requestTimestamp(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export const joinBody = z.strictObject({
  tokenId: z.string().min(1).max(64),
  tokenSecret: z.string().min(1).max(128),
  request: z.record(z.string(), z.unknown()),
  proof: z.string().max(128),
});
export type JoinBody = z.infer<typeof joinBody>;

/** `POST /enroll/v1/status`: a node asks how its enrollment stands (and collects its credential). */
export const statusBody = z.strictObject({
  node: dnsLabel,
  publicKey: wgPublicKey,
  nonce,
  timestamp,
  proof: hex64,
});
export type StatusBody = z.infer<typeof statusBody>;

/** The answer of join and status. `credential` only when Approved (issued anew on each answer). */
export const enrollAnswer = z.object({
  state: enrollmentState,
  node: z.string(),
  reason: z.string(),
  credential: z.string().optional(),
  expiresAt: z.string().optional(),
  controllerUrls: z.array(z.string()),
  caPem: z.string().optional(),
});
export type EnrollAnswer = z.infer<typeof enrollAnswer>;

/** `POST /agent/v1/rotate-key` (node credential): the new key and a proof made with it. */
export const rotateBody = z.strictObject({
  publicKey: wgPublicKey,
  nonce,
  timestamp,
  proof: hex64,
});
export type RotateBody = z.infer<typeof rotateBody>;

export const rotateAnswer = z.object({ node: z.string(), publicKey: z.string(), revision: z.number() });
export type RotateAnswer = z.infer<typeof rotateAnswer>;

/** What a status poll's proof signs. */
export function statusProofMessage(b: Omit<StatusBody, "proof">): string {
  return `node=${b.node}\npublicKey=${b.publicKey}\nnonce=${b.nonce}\ntimestamp=${b.timestamp}`;
}

/** What a key rotation's proof signs (made with the NEW private key). */
export function rotateProofMessage(node: string, b: Omit<RotateBody, "proof">): string {
  return `node=${node}\npublicKey=${b.publicKey}\nnonce=${b.nonce}\ntimestamp=${b.timestamp}`;
}

/** Reason codes of refused enrollment requests (answer `error.reason` and the audit log). */
export const ENROLL_REASONS = [
  "invalid-request",
  "invalid-name",
  "invalid-subnet",
  "unknown-token",
  "token-expired",
  "token-revoked",
  "token-used-up",
  "bad-hmac",
  "wrong-audience",
  "clock-skew",
  "replayed-nonce",
  "missing-proof",
  "bad-proof",
  "unknown-policy",
  "policy-mismatch",
  "policy-used-up",
  "name-not-allowed",
  "name-taken",
  "key-in-use",
  "address-not-allowed",
  "address-in-use",
  "address-reserved",
  "pool-exhausted",
  "subnet-not-allowed",
  "subnet-in-use",
  "default-route",
  "endpoint-not-allowed",
  "enrollment-rejected",
  "enrollment-expired",
  "node-revoked",
  "unknown-enrollment",
  "invalid-node",
] as const;
export type EnrollReason = (typeof ENROLL_REASONS)[number];
