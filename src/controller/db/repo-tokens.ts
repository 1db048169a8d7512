/**
 * API tokens, stored by the hash of their secret. `getToken` returns the hash (to verify a
 * presented token); `listTokens` leaves it out in the query itself, so no list can leak it.
 */
import { randomUUID } from "node:crypto";
import type { Selectable } from "kysely";
import type { Tx } from "./open.js";
import type { ApiTokensTable } from "./schema.js";

/** A token with its secret hash. Timestamps are ISO-8601 UTC; NULL `expires_at` never expires. */
export type ApiTokenRecord = Selectable<ApiTokensTable>;

/** A token as lists show it. */
export type ApiToken = Omit<ApiTokenRecord, "secret_hash">;

/** A new token; `id` defaults to a random UUID, `created_at` to now, `expires_at` to never. */
export interface NewApiToken {
  id?: string;
  name: string;
  secret_hash: string;
  role: string;
  created_by: string;
  created_at?: string;
  expires_at?: string | null;
}

const PUBLIC_COLUMNS = [
  "id",
  "name",
  "role",
  "created_by",
  "created_at",
  "expires_at",
  "revoked_at",
  "last_used_at",
] as const;

/** Stores a new token; returns it without the hash. */
export async function createToken(tx: Tx, token: NewApiToken): Promise<ApiToken> {
  return tx
    .insertInto("api_tokens")
    .values({
      id: token.id ?? randomUUID(),
      name: token.name,
      secret_hash: token.secret_hash,
      role: token.role,
      created_by: token.created_by,
      created_at: token.created_at ?? new Date().toISOString(),
      expires_at: token.expires_at ?? null,
      revoked_at: null,
      last_used_at: null,
    })
    .returning(PUBLIC_COLUMNS)
    .executeTakeFirstOrThrow();
}

/** One token with its secret hash, revoked or expired or not; undefined when there is none. */
export async function getToken(tx: Tx, id: string): Promise<ApiTokenRecord | undefined> {
  return tx.selectFrom("api_tokens").selectAll().where("id", "=", id).executeTakeFirst();
}

/** Every token, oldest first, without secret hashes. */
export async function listTokens(tx: Tx): Promise<ApiToken[]> {
  return tx.selectFrom("api_tokens").select(PUBLIC_COLUMNS).orderBy("created_at").orderBy("id").execute();
}

/** Revokes a token at `at`; false when there is none or it was already revoked (the first time stays). */
export async function revokeToken(
  tx: Tx,
  id: string,
  at: string = new Date().toISOString(),
): Promise<boolean> {
  const result = await tx
    .updateTable("api_tokens")
    .set({ revoked_at: at })
    .where("id", "=", id)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Records that the token was used at `at`; false when there is none. */
export async function touchToken(tx: Tx, id: string, at: string): Promise<boolean> {
  const result = await tx
    .updateTable("api_tokens")
    .set({ last_used_at: at })
    .where("id", "=", id)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Revokes, at `at`, every live token `actor` (`user:NAME`) made, and the tokens those tokens made,
 * transitively: credentials die with their owner. Returns the ids revoked. Tokens are named by
 * `token:NAME` as their makers, and names need not be unique, so a same-named token of another
 * owner goes too — a token too many, never one too few.
 */
export async function revokeTokensMadeBy(tx: Tx, actor: string, at: string): Promise<string[]> {
  const revoked: string[] = [];
  const seen = new Set<string>();
  let makers = [actor];
  while (makers.length > 0) {
    const fresh = makers.filter((m) => !seen.has(m));
    for (const m of fresh) seen.add(m);
    if (fresh.length === 0) break;
    const live = await tx
      .selectFrom("api_tokens")
      .select(["id", "name"])
      .where("created_by", "in", fresh)
      .where("revoked_at", "is", null)
      .execute();
    for (const t of live) if (await revokeToken(tx, t.id, at)) revoked.push(t.id);
    makers = live.map((t) => `token:${t.name}`);
  }
  return revoked;
}
