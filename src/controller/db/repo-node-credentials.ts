/**
 * Node credentials for the agent API, stored by the hash of their secret. One row per node:
 * `putNodeCredential` replaces an earlier one, so re-issuing invalidates what was issued before.
 */
import type { Selectable } from "kysely";
import type { Tx } from "./open.js";
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
