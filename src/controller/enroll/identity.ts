/**
 * The controller's enrollment identity, shared by every replica because it lives in the database:
 * the controller id (the audience join requests are addressed to) and a static X25519 key pair
 * (agents prove possession of their WireGuard key against its public half). Created once, by
 * whichever replica gets there first; the others read what it stored.
 */

import type { KeyObject } from "node:crypto";
import { randomBytes } from "node:crypto";
import { generatePrivateKey, privateKeyObjectOf, publicKeyFromPrivate } from "../../keys/wgkeys.js";
import type { Db } from "../db/open.js";
import { ensureControllerId, getMeta } from "../db/repo-meta.js";

const ENROLL_KEY = "enroll_x25519_private";

export interface ControllerIdentity {
  readonly id: string;
  readonly publicKey: string;
  /** Never leaves the controller; kept in the database so all replicas verify the same proofs. */
  readonly privateKey: KeyObject;
}

const cache = new WeakMap<Db, Promise<ControllerIdentity>>();

/** The identity of the controller using `db`, created on first use. */
export function controllerIdentity(db: Db): Promise<ControllerIdentity> {
  let found = cache.get(db);
  if (!found) {
    found = db.transaction(async (tx) => {
      const id = await ensureControllerId(tx, `hw-${randomBytes(8).toString("hex")}`);
      await tx
        .insertInto("meta")
        .values({ key: ENROLL_KEY, value: generatePrivateKey() })
        .onConflict((oc) => oc.column("key").doNothing())
        .execute();
      const stored = (await getMeta(tx, ENROLL_KEY))!;
      return { id, privateKey: privateKeyObjectOf(stored), publicKey: publicKeyFromPrivate(stored) };
    });
    found.catch(() => cache.delete(db));
    cache.set(db, found);
  }
  return found;
}
