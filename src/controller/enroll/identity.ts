/**
 * The controller's enrollment identity, shared by every replica because it lives in the database:
 * the controller id (the audience join requests are addressed to) and a static X25519 key pair
 * (agents prove possession of their WireGuard key against its public half). Created once, by
 * whichever replica gets there first; the others read what it stored.
 *
 * The key pair can be rotated (`hubwire secrets rotate enrollment-key`): new join tokens carry the
 * new public key, and the retired private keys stay in `meta`, so a token minted before keeps
 * working until it expires (a join is verified against the keys current since the token was
 * made) and an enrolled or pending node — whose agent keeps the key of the token it joined with —
 * still proves key rotations and status polls. Read from the database on every use, so a rotation
 * on one replica holds on all of them at once.
 */

import type { KeyObject } from "node:crypto";
import { randomBytes } from "node:crypto";
import { generatePrivateKey, privateKeyObjectOf, publicKeyFromPrivate } from "../../keys/wgkeys.js";
import type { Db, Tx } from "../db/open.js";
import { ensureControllerId, getMeta, setMeta } from "../db/repo-meta.js";

const ENROLL_KEY = "enroll_x25519_private";
/** JSON `[{ privateKey, retiredAt }]`, oldest first: keys replaced by a rotation. */
const RETIRED_KEYS = "enroll_x25519_retired";

/**
 * How long before a token's creation a key may have been retired and still verify its joins: a
 * token minted while a rotation commits may carry the key just replaced.
 */
const MINTING_RACE_MS = 60_000;

/** A key pair the controller held before a rotation. */
export interface RetiredKey {
  readonly publicKey: string;
  readonly privateKey: KeyObject;
  readonly retiredAt: string;
}

export interface ControllerIdentity {
  readonly id: string;
  /** The current public key: what new join tokens carry. */
  readonly publicKey: string;
  /** Never leaves the controller; kept in the database so all replicas verify the same proofs. */
  readonly privateKey: KeyObject;
  /** Keys replaced by rotations, oldest first (empty before the first rotation). */
  readonly retired: readonly RetiredKey[];
}

const created = new WeakMap<Db, Promise<string>>();
/**
 * What each stored private key derives to, by that key: a derivation costs ≈ 1 ms of CPU (two
 * key-object imports), once per enrollment request it was a tenth of the enrollment path.
 */
const derived = new Map<string, { readonly privateKey: KeyObject; readonly publicKey: string }>();

function derive(stored: string): { readonly privateKey: KeyObject; readonly publicKey: string } {
  let d = derived.get(stored);
  if (!d) {
    d = { privateKey: privateKeyObjectOf(stored), publicKey: publicKeyFromPrivate(stored) };
    derived.set(stored, d);
  }
  return d;
}

/** Makes the id and the first key pair once per database (the first writer wins); returns the id. */
function ensureIdentity(db: Db): Promise<string> {
  let found = created.get(db);
  if (!found) {
    found = db.transaction(async (tx) => {
      const id = await ensureControllerId(tx, `hw-${randomBytes(8).toString("hex")}`);
      await tx
        .insertInto("meta")
        .values({ key: ENROLL_KEY, value: generatePrivateKey() })
        .onConflict((oc) => oc.column("key").doNothing())
        .execute();
      return id;
    });
    found.catch(() => created.delete(db));
    created.set(db, found);
  }
  return found;
}

async function retiredIn(tx: Tx): Promise<Array<{ privateKey: string; retiredAt: string }>> {
  const text = await getMeta(tx, RETIRED_KEYS);
  return text ? (JSON.parse(text) as Array<{ privateKey: string; retiredAt: string }>) : [];
}

/** The identity of the controller using `db`, created on first use. */
export async function controllerIdentity(db: Db): Promise<ControllerIdentity> {
  const id = await ensureIdentity(db);
  return db.transaction(async (tx) => {
    const stored = (await getMeta(tx, ENROLL_KEY))!;
    const retired = (await retiredIn(tx)).map((r) => ({ ...derive(r.privateKey), retiredAt: r.retiredAt }));
    return { id, ...derive(stored), retired };
  });
}

/**
 * The private keys a join with a token made at `tokenCreatedAt` may be proven against: the one
 * current when it was minted (and any since, newest first after the current one).
 */
export function joinKeys(identity: ControllerIdentity, tokenCreatedAt: string): KeyObject[] {
  const since = Date.parse(tokenCreatedAt) - MINTING_RACE_MS;
  const older = identity.retired.filter((r) => Date.parse(r.retiredAt) >= since).reverse();
  return [identity.privateKey, ...older.map((r) => r.privateKey)];
}

/** Every private key a node's proof may be made against: its agent keeps the key it joined with. */
export function nodeProofKeys(identity: ControllerIdentity): KeyObject[] {
  return [identity.privateKey, ...[...identity.retired].reverse().map((r) => r.privateKey)];
}

/**
 * Replaces the enrollment key pair inside `tx` (the caller holds the intent writers' lock and
 * audits): the current key is retired at `at`. Returns the old and new public keys.
 */
export async function rotateEnrollmentKey(
  db: Db,
  tx: Tx,
  at: string,
): Promise<{ previous: string; publicKey: string }> {
  await ensureIdentity(db);
  const current = (await getMeta(tx, ENROLL_KEY))!;
  const next = generatePrivateKey();
  await setMeta(
    tx,
    RETIRED_KEYS,
    JSON.stringify([...(await retiredIn(tx)), { privateKey: current, retiredAt: at }]),
  );
  await setMeta(tx, ENROLL_KEY, next);
  return { previous: publicKeyFromPrivate(current), publicKey: publicKeyFromPrivate(next) };
}
