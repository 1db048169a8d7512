/**
 * Preshared keys for networks with `presharedKeys: true`. The compiler names each pair's key
 * (`presharedKeyRef`, e.g. `corp.branch-sha.hub-fra`) and never sees the key; the controller
 * derives it as HMAC-SHA256(secret, ref) from one random secret kept in `meta`, so every replica
 * derives the same key and nothing per pair is stored. Both ends of a pair ask for the same ref
 * and get the same key; a node is only ever given the refs in its own desired state.
 */
import { createHmac, randomBytes } from "node:crypto";
import type { DesiredState } from "../../model/index.js";
import type { Db } from "../db/open.js";
import { getMeta, insertMetaIfAbsent } from "../db/repo-meta.js";

const SECRET_KEY = "preshared_key_secret";

/** The refs a node's desired state names, sorted. */
export function presharedKeyRefs(state: DesiredState): string[] {
  const refs = new Set<string>();
  for (const i of state.interfaces)
    for (const p of i.peers) if (p.presharedKeyRef) refs.add(p.presharedKeyRef);
  return [...refs].sort();
}

/** The derivation secret, made on first use (race-safe across replicas: the first insert wins). */
async function secret(db: Db): Promise<Buffer> {
  const text = await db.transaction(async (tx) => {
    await insertMetaIfAbsent(tx, SECRET_KEY, randomBytes(32).toString("base64"));
    return (await getMeta(tx, SECRET_KEY))!;
  });
  return Buffer.from(text, "base64");
}

/** The keys (base64, as `wg genpsk` prints them) of every ref in `state`. */
export async function presharedKeysFor(db: Db, state: DesiredState): Promise<Record<string, string>> {
  const refs = presharedKeyRefs(state);
  if (refs.length === 0) return {};
  const key = await secret(db);
  return Object.fromEntries(refs.map((ref) => [ref, createHmac("sha256", key).update(ref).digest("base64")]));
}
