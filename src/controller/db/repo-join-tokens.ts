/**
 * Join tokens and the nonces enrollment requests used. A token's use is counted by one guarded
 * UPDATE inside the enrollment transaction, so concurrent requests can never use a token more
 * often than allowed; a nonce is claimed by one INSERT, so it is accepted at most once.
 */
import type { Insertable, Selectable } from "kysely";
import { sql } from "kysely";
import type { Tx } from "./open.js";
import type { JoinTokensTable } from "./schema.js";

export type JoinTokenRecord = Selectable<JoinTokensTable>;

export async function createJoinToken(tx: Tx, row: Insertable<JoinTokensTable>): Promise<JoinTokenRecord> {
  await tx.insertInto("join_tokens").values(row).execute();
  return (await getJoinToken(tx, row.id))!;
}

export function getJoinToken(tx: Tx, id: string): Promise<JoinTokenRecord | undefined> {
  return tx.selectFrom("join_tokens").selectAll().where("id", "=", id).executeTakeFirst();
}

/** Every token, newest first. */
export function listJoinTokens(tx: Tx): Promise<JoinTokenRecord[]> {
  return tx.selectFrom("join_tokens").selectAll().orderBy("created_at", "desc").orderBy("id").execute();
}

/** Marks a token revoked (keeping the first revocation time); false when it does not exist. */
export async function revokeJoinToken(tx: Tx, id: string, at: string): Promise<boolean> {
  const result = await tx
    .updateTable("join_tokens")
    .set({ revoked_at: sql<string>`coalesce(revoked_at, ${at})` })
    .where("id", "=", id)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Counts one use of token `id` if it is still usable at `at` (not revoked, not expired, under its
 * limit); false when it was not. One statement, so it is the check and the count at once.
 */
export async function consumeJoinToken(tx: Tx, id: string, at: string): Promise<boolean> {
  const result = await tx
    .updateTable("join_tokens")
    .set({ uses: sql<number>`uses + 1` })
    .where("id", "=", id)
    .where("revoked_at", "is", null)
    .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", at)]))
    .where((eb) => eb.or([eb("max_uses", "is", null), eb("uses", "<", eb.ref("max_uses"))]))
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Whether `nonce` was already used in `scope`. */
export async function nonceSeen(tx: Tx, scope: string, nonce: string): Promise<boolean> {
  const row = await tx
    .selectFrom("enroll_nonces")
    .select("nonce")
    .where("scope", "=", scope)
    .where("nonce", "=", nonce)
    .executeTakeFirst();
  return row !== undefined;
}

/** Records `nonce` as used in `scope`; false when it already was (a replay). */
export async function claimNonce(tx: Tx, scope: string, nonce: string, at: string): Promise<boolean> {
  const rows = await tx
    .insertInto("enroll_nonces")
    .values({ scope, nonce, seen_at: at })
    .onConflict((oc) => oc.columns(["scope", "nonce"]).doNothing())
    .returning("nonce")
    .execute();
  return rows.length > 0;
}

/** Forgets nonces seen before `before` (ISO time); returns how many. */
export async function pruneNonces(tx: Tx, before: string): Promise<number> {
  const result = await tx.deleteFrom("enroll_nonces").where("seen_at", "<", before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
