/**
 * Node credentials for the agent API, stored by the hash of their secret. One row per node:
 * `putNodeCredential` replaces an earlier one, so re-issuing invalidates what was issued before.
 */
import { CompiledQuery, type Selectable } from "kysely";
import type { Db, Tx } from "./open.js";
import type { NodeCredentialsTable } from "./schema.js";

export type NodeCredentialRecord = Selectable<NodeCredentialsTable>;

/**
 * Stores (or replaces) the credential hash of `node`; false when the node's credential was
 * revoked, which is final: a revoked node never gets a working credential again.
 */
export async function putNodeCredential(
  tx: Tx,
  node: string,
  secretHash: string,
  at: string,
): Promise<boolean> {
  const result = await tx
    .insertInto("node_credentials")
    .values({ node, secret_hash: secretHash, issued_at: at, revoked_at: null })
    .onConflict((oc) =>
      oc
        .column("node")
        .doUpdateSet({ secret_hash: secretHash, issued_at: at })
        .where("node_credentials.revoked_at", "is", null),
    )
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

/** The credential row of `node`, revoked or not; undefined when none was ever issued. */
export async function getNodeCredential(tx: Tx, node: string): Promise<NodeCredentialRecord | undefined> {
  return tx.selectFrom("node_credentials").selectAll().where("node", "=", node).executeTakeFirst();
}

/** The read of readNodeCredential, as SQL text per database handle (compiled once, not per request). */
const credentialQueries = new WeakMap<Tx, string>();

/**
 * The credential row of `node` as committed now, read the cheapest way the database allows: on
 * SQLite a prepared statement shared by the lookups of one turn of the event loop (Db.readByKey);
 * elsewhere the query Kysely compiled once, run as is. Either way the row itself is read on every call — nothing is cached
 * that a revocation (on this replica or another) could outlive.
 */
export async function readNodeCredential(db: Db, node: string): Promise<NodeCredentialRecord | undefined> {
  if (db.readByKey)
    return db.readByKey<NodeCredentialRecord>(
      "select node, secret_hash, issued_at, revoked_at from node_credentials where node in (select value from json_each(?))",
      "node",
      node,
    );
  let text = credentialQueries.get(db.kysely);
  if (text === undefined) {
    text = db.kysely.selectFrom("node_credentials").selectAll().where("node", "=", node).compile().sql;
    credentialQueries.set(db.kysely, text);
  }
  const result = await db.kysely.executeQuery<NodeCredentialRecord>(CompiledQuery.raw(text, [node]));
  return result.rows[0];
}

/** Revokes the credential of `node` at `at`; false when there is none or it was already revoked. */
export async function revokeNodeCredential(tx: Tx, node: string, at: string): Promise<boolean> {
  const result = await tx
    .updateTable("node_credentials")
    .set({ revoked_at: at })
    .where("node", "=", node)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Deletes the credential row of `node`, revoked or not. */
export async function deleteNodeCredential(tx: Tx, node: string): Promise<void> {
  await tx.deleteFrom("node_credentials").where("node", "=", node).execute();
}
