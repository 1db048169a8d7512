/**
 * WireGuard (Curve25519) keys, made and used in-process with node:crypto so a
 * node never hands its private key to a child process, and so thousands of
 * keys cost milliseconds instead of a `wg` spawn each.
 *
 * Keys cross node:crypto as DER (PKCS#8 / SPKI with a fixed prefix and the 32
 * raw bytes last), never as JWK: JWK export of X25519 keys can deadlock Node 20
 * after a few thousand keys (see DATAPLANE-TESTING.md).
 *
 * Error messages never quote the key text: it may be a private key.
 */
import { createPrivateKey, createPublicKey, diffieHellman, type KeyObject, randomBytes } from "node:crypto";
import { isWgKey } from "../model/wgkey.js";

/** Length of every WireGuard key, private, public or preshared. */
export const WG_KEY_BYTES = 32;

// RFC 8410 encodings of an X25519 key: a constant ASN.1 header followed by the raw 32 bytes.
const PKCS8_X25519_PREFIX = Buffer.from("302e020100300506032b656e04220420", "hex");
const SPKI_X25519_PREFIX = Buffer.from("302a300506032b656e032100", "hex");

/** Text that is not a WireGuard key; says what was expected without echoing the text. */
export class InvalidKeyError extends Error {
  override readonly name = "InvalidKeyError";
}

/**
 * Decodes key text to its 32 bytes, accepting exactly what `wg` accepts: 44
 * characters of canonical standard base64. Rejecting non-canonical spellings
 * keeps one key from having two texts (which would defeat uniqueness checks).
 * `what` names the key in the error ("private key", "peer public key").
 */
export function parseWgKey(text: string, what = "key"): Buffer {
  if (typeof text !== "string" || !isWgKey(text)) {
    const got = typeof text === "string" ? `${text.length} characters` : typeof text;
    throw new InvalidKeyError(
      `${what} is not a WireGuard key: expected 44 characters of base64 encoding 32 bytes (got ${got})`,
    );
  }
  return Buffer.from(text, "base64");
}

/** Clamps a Curve25519 scalar in place, exactly as `wg genkey` does (RFC 7748 §5). */
function clamp(key: Buffer): Buffer {
  key[0]! &= 248;
  key[31] = (key[31]! & 127) | 64;
  return key;
}

/**
 * A fresh private key, clamped like `wg genkey` output so the text is the same
 * kind of value an operator would get from the WireGuard tools.
 */
export function generatePrivateKey(): string {
  const raw = clamp(randomBytes(WG_KEY_BYTES));
  const text = raw.toString("base64");
  raw.fill(0);
  return text;
}

function privateKeyObject(privBase64: string, what: string): KeyObject {
  const raw = parseWgKey(privBase64, what);
  const der = Buffer.concat([PKCS8_X25519_PREFIX, raw]);
  try {
    return createPrivateKey({ key: der, format: "der", type: "pkcs8" });
  } finally {
    raw.fill(0);
    der.fill(0);
  }
}

function publicKeyObject(pubBase64: string, what: string): KeyObject {
  const raw = parseWgKey(pubBase64, what);
  return createPublicKey({ key: Buffer.concat([SPKI_X25519_PREFIX, raw]), format: "der", type: "spki" });
}

/**
 * A private key as a KeyObject, for a party that derives many shared secrets with one key (the
 * controller verifying proofs): decoding the key costs far more than the X25519 itself.
 */
export function privateKeyObjectOf(privBase64: string): KeyObject {
  return privateKeyObject(privBase64, "private key");
}

/**
 * The public key of a private key, byte-for-byte what `wg pubkey` prints. An
 * unclamped private key is accepted and gives the same result as `wg`, since
 * X25519 clamps the scalar itself.
 */
export function publicKeyFromPrivate(privBase64: string): string {
  const spki = createPublicKey(privateKeyObject(privBase64, "private key")).export({
    format: "der",
    type: "spki",
  });
  return spki.subarray(spki.length - WG_KEY_BYTES).toString("base64");
}

/**
 * X25519(our private, their public): the secret both sides can compute without
 * sending it, so a node can prove it holds the private key of the public key it
 * registers. Refuses an all-zero result (a low-order peer key, RFC 7748 §6.1),
 * which any attacker could "compute" and so proves nothing.
 */
export function x25519SharedSecret(privBase64: string | KeyObject, peerPubBase64: string): Buffer {
  const privateKey =
    typeof privBase64 === "string" ? privateKeyObject(privBase64, "private key") : privBase64;
  const publicKey = publicKeyObject(peerPubBase64, "peer public key");
  const lowOrder = () =>
    new InvalidKeyError("peer public key is a low-order point: the shared secret would be all zeros");
  let secret: Buffer;
  try {
    secret = diffieHellman({ privateKey, publicKey });
  } catch (error) {
    // OpenSSL 3 already refuses an all-zero output, with an opaque message; say why.
    if ((error as { code?: unknown }).code === "ERR_OSSL_FAILED_DURING_DERIVATION") throw lowOrder();
    throw error;
  }
  // Checked again in case a differently built OpenSSL hands the zeros back.
  if (secret.every((b) => b === 0)) throw lowOrder();
  return secret;
}
