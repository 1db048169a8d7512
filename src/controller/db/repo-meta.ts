/**
 * Controller-wide values in `meta`: the intent revision, the controller id, and the first-admin
 * bootstrap marker. Each read-modify-write here is a single atomic statement, so it is correct
 * even outside a serializable transaction.
 */
import { sql } from "kysely";
import type { Tx } from "./open.js";

const REVISION = "revision";
const CONTROLLER_ID = "controller_id";

/** A value, or undefined when the key was never set. */
export async function getMeta(tx: Tx, key: string): Promise<string | undefined> {
  const row = await tx.selectFrom("meta").select("value").where("key", "=", key).executeTakeFirst();
  return row?.value;
}

/** Sets (inserts or overwrites) a value. */
export async function setMeta(tx: Tx, key: string, value: string): Promise<void> {
  await tx
    .insertInto("meta")
    .values({ key, value })
    .onConflict((oc) => oc.column("key").doUpdateSet((eb) => ({ value: eb.ref("excluded.value") })))
    .execute();
}

/** Sets `key` unless it is set already (the first writer wins); false when it was. */
export async function insertMetaIfAbsent(tx: Tx, key: string, value: string): Promise<boolean> {
  const result = await tx
    .insertInto("meta")
    .values({ key, value })
    .onConflict((oc) => oc.column("key").doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

/** The current intent revision; 0 before the first change. */
export async function getRevision(tx: Tx): Promise<number> {
  return Number((await getMeta(tx, REVISION)) ?? 0);
}

/**
 * Advances the intent revision and returns the new one (1 the first time). One upsert: two
 * replicas committing changes at once get different revisions.
 */
export async function nextRevision(tx: Tx): Promise<number> {
  const row = await tx
    .insertInto("meta")
    .values({ key: REVISION, value: "1" })
    .onConflict((oc) =>
      oc.column("key").doUpdateSet({ value: sql<string>`cast(cast(meta.value as bigint) + 1 as text)` }),
    )
    .returning("value")
    .executeTakeFirstOrThrow();
  return Number(row.value);
}

/**
 * The controller's id (join tokens name it as their audience): stores `candidate` unless an id is
 * already stored, and returns the stored one — so replicas starting together agree on the first.
 */
export async function ensureControllerId(tx: Tx, candidate: string): Promise<string> {
  await tx
    .insertInto("meta")
    .values({ key: CONTROLLER_ID, value: candidate })
    .onConflict((oc) => oc.column("key").doNothing())
    .execute();
  return (await getMeta(tx, CONTROLLER_ID))!;
}
