/**
 * Secrets the controller checks: user passwords, and the random values behind API tokens, session ids and
 * CSRF tokens. Only derived values are stored, so a leaked database reveals no usable credential. Passwords
 * are low-entropy and get a slow, memory-hard hash; everything else here is generated with 256 bits of
 * randomness, so a single SHA-256 already makes guessing hopeless and a slow hash would only cost CPU on
 * every request.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { type Algorithm, hash, parseOptions, verify } from "@node-rs/argon2";

/**
 * Argon2id with OWASP's first recommended setting (19 MiB, 2 passes, 1 lane): about as much memory per
 * guess as a login can afford while thousands of agents and a UI share the controller. Stored in the PHC
 * string, so old hashes keep verifying if this is ever raised.
 */
export const ARGON2_PARAMS = {
  // `Algorithm` is a const enum, which isolatedModules cannot read; 2 is Argon2id (checked by a test).
  algorithm: 2 as Algorithm,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

/**
 * Passwords are compared as Unicode NFC: the same password typed on macOS and on Windows can arrive as
 * different code points ("é" composed or not), and must still match (RFC 8265 prepares passwords likewise).
 */
function prepare(password: string): string {
  return password.normalize("NFC");
}

/** An argon2id PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) for storing a user's password. */
export function hashPassword(password: string): Promise<string> {
  return hash(prepare(password), ARGON2_PARAMS);
}

/**
 * Whether `password` matches `hash`. A hash that does not parse (corrupt row, wrong column) is a `false`,
 * not an exception: a login must fail closed without turning bad data into a 500 and a stack trace.
 */
export async function verifyPassword(storedHash: string, password: string): Promise<boolean> {
  try {
    return await verify(storedHash, prepare(password));
  } catch {
    return false;
  }
}

/**
 * True when a stored hash was made with other parameters than {@link ARGON2_PARAMS} (or does not parse):
 * after a successful login the caller can re-hash the password it now knows, so raised costs reach
 * existing users.
 */
export function needsRehash(storedHash: string): boolean {
  try {
    const o = parseOptions(storedHash);
    return (
      o.algorithm !== ARGON2_PARAMS.algorithm ||
      o.memoryCost !== ARGON2_PARAMS.memoryCost ||
      o.timeCost !== ARGON2_PARAMS.timeCost ||
      o.parallelism !== ARGON2_PARAMS.parallelism
    );
  } catch {
    return true;
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends what {@link verifyPassword} spends, for a login whose user name does not exist: answering faster
 * would tell an attacker which names are real. Always false. The hash it checks against is made once, with
 * the current parameters, so the cost tracks {@link ARGON2_PARAMS}; the first call also pays for making it,
 * which a caller can move to start-up by calling this once.
 */
export async function burnPasswordCheck(): Promise<false> {
  dummyHash ??= hash(newSecret(), ARGON2_PARAMS);
  await verifyPassword(await dummyHash, "not the password");
  return false;
}

/**
 * A random secret as base64url (no padding), for session ids, CSRF tokens and API-token secrets. At least
 * 16 bytes (128 bits), below which a SHA-256 at rest would no longer be enough protection.
 */
export function newSecret(bytes = 32): string {
  if (!Number.isInteger(bytes) || bytes < 16 || bytes > 1024) {
    throw new RangeError(`a secret needs 16 to 1024 random bytes, not ${bytes}`);
  }
  return randomBytes(bytes).toString("base64url");
}

/**
 * SHA-256 of a high-entropy secret, lowercase hex: what is stored for API tokens, sessions and CSRF tokens.
 * Not for passwords — see the module comment for why one fast hash is right here and wrong there.
 */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/**
 * Compares two hex digests in time that does not depend on where they differ, so a caller cannot find a
 * stored hash byte by byte. False for different lengths or non-hex input (lengths of digests are public).
 */
export function safeEqualHex(a: string, b: string): boolean {
  if (a.length !== b.length || !isHex(a) || !isHex(b)) return false;
  return timingSafeEqual(Buffer.from(a.toLowerCase(), "hex"), Buffer.from(b.toLowerCase(), "hex"));
}

/**
 * Whether `secret`'s SHA-256 is `storedHash` (hex, as {@link hashSecret} makes it), in constant
 * time: {@link safeEqualHex} of the two without making and re-parsing a second hex text — this runs
 * on every agent request. A stored value that is not 64 hex digits never matches.
 */
export function matchesSecretHash(storedHash: string, secret: string): boolean {
  if (storedHash.length !== 64 || !isHex(storedHash)) return false;
  const presented = createHash("sha256").update(secret, "utf8").digest();
  return timingSafeEqual(Buffer.from(storedHash, "hex"), presented);
}

function isHex(s: string): boolean {
  return s.length % 2 === 0 && /^[0-9a-fA-F]*$/.test(s);
}

/** Lowercase Crockford base32: no i, l, o or u, so ids read aloud survive, and every hex id is one too. */
const ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
const ID_LENGTH = 12;
const SECRET_BYTES = 32;
/**
 * `hwt_` + 12-character id + `_` + 43 base64url characters (32 bytes). The id is public and finds the row;
 * only the secret's SHA-256 is stored. The fixed prefix lets secret scanners recognise leaked tokens.
 */
const TOKEN = /^hwt_([0-9a-hjkmnp-tv-z]{12})_([A-Za-z0-9_-]{43})$/;

/** A new API token: `token` is shown to the user once; store `id` and `hashSecret(secret)`. */
export function newApiToken(): { id: string; secret: string; token: string } {
  const bytes = randomBytes(ID_LENGTH);
  // 256 is a multiple of 32, so masking to 5 bits keeps every character equally likely.
  const id = Array.from(bytes, (b) => ID_ALPHABET[b & 31]).join("");
  const secret = newSecret(SECRET_BYTES);
  return { id, secret, token: `hwt_${id}_${secret}` };
}

/**
 * Splits a presented token into id and secret, or `undefined` when it is not exactly a token this controller
 * could have issued (wrong prefix, case, length, alphabet, or a non-canonical last base64url character).
 * Rejecting early means junk never reaches the database.
 */
export function parseApiToken(text: string): { id: string; secret: string } | undefined {
  const m = TOKEN.exec(text);
  if (!m) return undefined;
  const [, id, secret] = m as unknown as [string, string, string];
  if (Buffer.from(secret, "base64url").toString("base64url") !== secret) return undefined;
  return { id, secret };
}
