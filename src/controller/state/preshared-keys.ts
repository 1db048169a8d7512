/**
 * Preshared keys for networks with `presharedKeys: true`. The compiler names each pair's key
 * (`presharedKeyRef`, e.g. `corp.branch-sha.hub-fra`) and never sees the key; the controller
 * derives it as HMAC-SHA256(secret, ref) from one random secret kept in `meta`, so every replica
 * derives the same key and nothing per pair is stored. Both ends of a pair ask for the same ref
 * and get the same key; a node is only ever given the refs in its own desired state.
 *
 * Rotating the secret (`hubwire secrets rotate psk-secret`) changes every pair's key at once and
 * counts a generation in `meta`; the generation is mixed into the revision of every state that
 * names a preshared key, so both ends of each pair get a new revision, fetch the new keys and set
 * them. WireGuard keeps a session when a peer's preshared key changes (only the next handshake
 * uses it), so traffic goes on if both ends apply within the rekey interval (2 minutes).
 */
import { createHash, createHmac, randomBytes } from "node:crypto";
import type { DesiredState } from "../../model/index.js";
import type { Db, Tx } from "../db/open.js";
import { getMeta, insertMetaIfAbsent, setMeta } from "../db/repo-meta.js";

const SECRET_KEY = "preshared_key_secret";
const GENERATION_KEY = "preshared_key_generation";

/** The refs a node's desired state names, sorted. */
export function presharedKeyRefs(state: DesiredState): string[] {
  const refs = new Set<string>();
  for (const i of state.interfaces)
    for (const p of i.peers) if (p.presharedKeyRef) refs.add(p.presharedKeyRef);
  return [...refs].sort();
}

/** The derivation secret, made on first use (race-safe across replicas: the first insert wins). */
async function secret(db: Db): Promise<Buffer> {
  // Read first: the secret exists after its first use, and a read takes no write lock.
  const text =
    (await getMeta(db.kysely, SECRET_KEY)) ??
    (await db.transaction(async (tx) => {
      await insertMetaIfAbsent(tx, SECRET_KEY, randomBytes(32).toString("base64"));
      return (await getMeta(tx, SECRET_KEY))!;
    }));
  return Buffer.from(text, "base64");
}

/**
 * The keys (base64, as `wg genpsk` prints them) of the refs in `state`; with `only`, of those of
 * them that `only` names (an agent asks for the keys it lacks, not for every pair's each time).
 */
export async function presharedKeysFor(
  db: Db,
  state: DesiredState,
  only?: ReadonlySet<string>,
): Promise<Record<string, string>> {
  const refs = presharedKeyRefs(state).filter((r) => only === undefined || only.has(r));
  if (refs.length === 0) return {};
  const key = await secret(db);
  return Object.fromEntries(refs.map((ref) => [ref, createHmac("sha256", key).update(ref).digest("base64")]));
}

/** How many times the secret was rotated (0: never). */
export async function presharedKeyGeneration(tx: Tx): Promise<number> {
  return Number((await getMeta(tx, GENERATION_KEY)) ?? 0);
}

/**
 * Replaces the secret inside `tx` (the caller holds the intent writers' lock, moves the revision
 * and audits); returns the new generation.
 */
export async function rotatePresharedKeySecret(tx: Tx): Promise<number> {
  const generation = (await presharedKeyGeneration(tx)) + 1;
  await setMeta(tx, SECRET_KEY, randomBytes(32).toString("base64"));
  await setMeta(tx, GENERATION_KEY, String(generation));
  return generation;
}

/**
 * `states` with the revision of every state naming a preshared key moved by `generation`, so a
 * rotation reaches both ends of every pair, and the generation itself, so their agents know to fetch
 * the keys again. Generation 0 (never rotated) changes nothing.
 */
export function withPresharedKeyGeneration(
  states: ReadonlyMap<string, DesiredState>,
  generation: number,
): ReadonlyMap<string, DesiredState> {
  if (generation === 0) return states;
  let out: Map<string, DesiredState> | undefined;
  for (const [name, state] of states) {
    if (presharedKeyRefs(state).length === 0) continue;
    out ??= new Map(states);
    const revision = createHash("sha256")
      .update(`${state.revision}\npsk-generation ${generation}`)
      .digest("hex")
      .slice(0, 32);
    out.set(name, { ...state, revision, presharedKeyGeneration: generation });
  }
  return out ?? states;
}
