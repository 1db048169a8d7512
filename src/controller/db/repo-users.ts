/**
 * Users. Lists leave the password hash out in the query itself; the single-user reads include it,
 * because signing in and changing a password must check it.
 */
import { randomUUID } from "node:crypto";
import type { Selectable } from "kysely";
import type { Tx } from "./open.js";
import type { UsersTable } from "./schema.js";

/** A user without secrets: what lists and the API show. Timestamps are ISO-8601 UTC. */
export interface User {
  id: string;
  name: string;
  role: string;
  disabled: boolean;
  language: string;
  created_at: string;
  updated_at: string;
}

/** A user with the password hash, for verifying a password. */
export interface UserRecord extends User {
  password_hash: string;
}

/** A new user; `id` defaults to a random UUID, `created_at` to now, `updated_at` to `created_at`. */
export interface NewUser {
  id?: string;
  name: string;
  role: string;
  password_hash: string;
  language: string;
  disabled?: boolean;
  created_at?: string;
  updated_at?: string;
}

/** Fields an update may change; absent fields stay as they are. `updated_at` defaults to now. */
export interface UserPatch {
  role?: string;
  disabled?: boolean;
  password_hash?: string;
  language?: string;
  updated_at?: string;
}

const PUBLIC_COLUMNS = ["id", "name", "role", "disabled", "language", "created_at", "updated_at"] as const;

function toUser<T extends Pick<Selectable<UsersTable>, "disabled">>(
  row: T,
): Omit<T, "disabled"> & { disabled: boolean } {
  return { ...row, disabled: row.disabled !== 0 };
}

/** Creates a user; a taken name fails with the engine's unique-constraint error. */
export async function createUser(tx: Tx, user: NewUser): Promise<User> {
  const now = user.created_at ?? new Date().toISOString();
  const row = await tx
    .insertInto("users")
    .values({
      id: user.id ?? randomUUID(),
      name: user.name,
      role: user.role,
      password_hash: user.password_hash,
      disabled: user.disabled ? 1 : 0,
      language: user.language,
      created_at: now,
      updated_at: user.updated_at ?? now,
    })
    .returning(PUBLIC_COLUMNS)
    .executeTakeFirstOrThrow();
  return toUser(row);
}

/** The user called `name`, with the password hash; undefined when there is none. */
export async function getUserByName(tx: Tx, name: string): Promise<UserRecord | undefined> {
  const row = await tx.selectFrom("users").selectAll().where("name", "=", name).executeTakeFirst();
  return row && toUser(row);
}

/** The user with `id`, with the password hash; undefined when there is none. */
export async function getUserById(tx: Tx, id: string): Promise<UserRecord | undefined> {
  const row = await tx.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
  return row && toUser(row);
}

/** Every user, by name, without password hashes. */
export async function listUsers(tx: Tx): Promise<User[]> {
  const rows = await tx.selectFrom("users").select(PUBLIC_COLUMNS).orderBy("name").execute();
  return rows.map(toUser);
}

/** Changes some fields; returns the updated user, or undefined when there is none. */
export async function updateUser(tx: Tx, id: string, patch: UserPatch): Promise<User | undefined> {
  const row = await tx
    .updateTable("users")
    .set({
      ...(patch.role !== undefined ? { role: patch.role } : {}),
      ...(patch.disabled !== undefined ? { disabled: patch.disabled ? 1 : 0 } : {}),
      ...(patch.password_hash !== undefined ? { password_hash: patch.password_hash } : {}),
      ...(patch.language !== undefined ? { language: patch.language } : {}),
      updated_at: patch.updated_at ?? new Date().toISOString(),
    })
    .where("id", "=", id)
    .returning(PUBLIC_COLUMNS)
    .executeTakeFirst();
  return row && toUser(row);
}

/** Deletes a user and (by cascade) their sessions; false when there was none. */
export async function deleteUser(tx: Tx, id: string): Promise<boolean> {
  const result = await tx.deleteFrom("users").where("id", "=", id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/**
 * Enabled admins: what must stay ≥ 1, so that nobody can lock everyone out by demoting, disabling
 * or deleting the last one.
 */
export async function countAdmins(tx: Tx): Promise<number> {
  const row = await tx
    .selectFrom("users")
    .select((eb) => eb.fn.countAll<number>().as("count"))
    .where("role", "=", "admin")
    .where("disabled", "=", 0)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/**
 * Creates `user` as an admin when there are no users at all, and says whether it did. Race-free
 * across replicas on any isolation level: it first writes a `meta` row every bootstrap attempt
 * writes, so a concurrent attempt waits for this transaction (PostgreSQL row lock; SQLite's write
 * lock) and then sees its user — or, under SERIALIZABLE, is aborted and retried and sees it then.
 * The row is only a lock: if the users table is ever empty again, the next start bootstraps again.
 * `role` and `disabled` are ignored: the first user is always an enabled admin.
 */
export async function createFirstAdminIfNone(tx: Tx, user: NewUser): Promise<boolean> {
  const now = user.created_at ?? new Date().toISOString();
  await tx
    .insertInto("meta")
    .values({ key: "bootstrap_admin", value: now })
    .onConflict((oc) => oc.column("key").doUpdateSet((eb) => ({ value: eb.ref("excluded.value") })))
    .execute();
  const any = await tx.selectFrom("users").select("id").limit(1).executeTakeFirst();
  if (any) return false;
  await createUser(tx, { ...user, role: "admin", disabled: false, created_at: now, updated_at: now });
  return true;
}
