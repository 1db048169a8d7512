/**
 * Browser sessions, keyed by the hash of the cookie value. Rows are returned as stored, expired
 * or not: the caller compares `expires_at` with its own clock, and `deleteExpiredSessions` sweeps.
 */
import type { Selectable } from "kysely";
import type { Tx } from "./open.js";
import type { SessionsTable } from "./schema.js";

/** A stored session. Timestamps are ISO-8601 UTC. */
export type Session = Selectable<SessionsTable>;

/** A new session; `created_at` defaults to now, `last_seen_at` to `created_at`. */
export type NewSession = Omit<Session, "created_at" | "last_seen_at"> & {
  created_at?: string;
  last_seen_at?: string;
};

/** Stores a new session. */
export async function createSession(tx: Tx, session: NewSession): Promise<Session> {
  const created_at = session.created_at ?? new Date().toISOString();
  const row: Session = {
    id_hash: session.id_hash,
    user_id: session.user_id,
    csrf_hash: session.csrf_hash,
    expires_at: session.expires_at,
    created_at,
    last_seen_at: session.last_seen_at ?? created_at,
  };
  await tx.insertInto("sessions").values(row).execute();
  return row;
}

/** The session with this id hash; undefined when there is none. */
export async function getSession(tx: Tx, idHash: string): Promise<Session | undefined> {
  return tx.selectFrom("sessions").selectAll().where("id_hash", "=", idHash).executeTakeFirst();
}

/** Records use at `at`, and slides the expiry when `expiresAt` is given. False when there is no such session. */
export async function touchSession(tx: Tx, idHash: string, at: string, expiresAt?: string): Promise<boolean> {
  const result = await tx
    .updateTable("sessions")
    .set({ last_seen_at: at, ...(expiresAt !== undefined ? { expires_at: expiresAt } : {}) })
    .where("id_hash", "=", idHash)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Ends one session (sign-out); false when there was none. */
export async function deleteSession(tx: Tx, idHash: string): Promise<boolean> {
  const result = await tx.deleteFrom("sessions").where("id_hash", "=", idHash).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Ends every session of a user (password change, disable, role change); returns how many. */
export async function deleteSessionsForUser(tx: Tx, userId: string): Promise<number> {
  const result = await tx.deleteFrom("sessions").where("user_id", "=", userId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Deletes sessions that expired at or before `now`; returns how many. */
export async function deleteExpiredSessions(tx: Tx, now: string = new Date().toISOString()): Promise<number> {
  const result = await tx.deleteFrom("sessions").where("expires_at", "<=", now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
