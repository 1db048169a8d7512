/**
 * Proof of possession of a WireGuard key (SPEC §4): a node proves it holds the
 * private key of the public key it registers by a MAC keyed with
 * X25519(node private, controller public), which the controller recomputes as
 * X25519(controller private, node public). Nobody without one of the two
 * private keys can produce it, so a stolen public key cannot be enrolled.
 *
 * Each use signs a different, domain-separated message (join request, status
 * poll, key rotation), so a proof made for one can never be replayed as another.
 */
import { createHmac, type KeyObject, timingSafeEqual } from "node:crypto";
import { x25519SharedSecret } from "./wgkeys.js";

/** What a proof is about: the first line of the signed message. */
export type ProofPurpose = "join" | "status" | "rotate";

function mac(shared: Buffer, purpose: ProofPurpose, message: string): string {
  try {
    return createHmac("sha256", shared).update(`hubwire-pop-v1 ${purpose}\n${message}`, "utf8").digest("hex");
  } finally {
    shared.fill(0);
  }
}

/** Lowercase hex proof, computed by the node from its private key and the controller's public key. */
export function proveKey(
  nodePrivate: string,
  controllerPublic: string,
  purpose: ProofPurpose,
  message: string,
): string {
  return mac(x25519SharedSecret(nodePrivate, controllerPublic), purpose, message);
}

/**
 * Whether `proof` was made by the holder of `nodePublic`'s private key, checked by the controller
 * in constant time. False (never a throw) for a malformed proof or an unusable (low-order) key.
 */
export function verifyKeyProof(
  controllerPrivate: string | KeyObject,
  nodePublic: string,
  purpose: ProofPurpose,
  message: string,
  proof: unknown,
): boolean {
  if (typeof proof !== "string" || !/^[0-9a-f]{64}$/.test(proof)) return false;
  let expected: string;
  try {
    expected = mac(x25519SharedSecret(controllerPrivate, nodePublic), purpose, message);
  } catch {
    return false;
  }
  return timingSafeEqual(Buffer.from(expected, "utf8"), Buffer.from(proof, "utf8"));
}
