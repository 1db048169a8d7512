/**
 * Users: create, change, delete, each audited in the same transaction. Disabling a user or
 * changing their password ends their sessions; disabling or demoting revokes the API tokens they
 * made; the last enabled admin cannot be disabled, demoted or deleted.
 */
import { randomUUID } from "node:crypto";
import type { Db, Tx } from "../db/open.js";
import { appendAudit } from "../db/repo-audit.js";
import { deleteSessionsForUser } from "../db/repo-sessions.js";
import { revokeTokensMadeBy } from "../db/repo-tokens.js";
import * as repo from "../db/repo-users.js";
import { DomainError } from "../errors.js";
import type { Actor } from "../state/intent-store.js";
import { ROLES, type Role } from "./principal.js";

export type { User } from "../db/repo-users.js";

type User = repo.User;

/** What the audit log (and the API) shows of a user: never the password hash. */
export const userView = (u: User) => ({
  name: u.name,
  role: u.role,
  disabled: u.disabled,
  language: u.language,
  createdAt: u.created_at,
});

async function audit(
  tx: Tx,
  who: Actor,
  at: string,
  action: string,
  name: string,
  before?: User,
  after?: User,
) {
  await appendAudit(tx, {
    at,
    actor: who.actor,
    source: who.source,
    action,
    kind: "User",
    name,
    before: before ? userView(before) : null,
    after: after ? userView(after) : null,
  });
}

const missing = (name: string) => new DomainError("not-found", `user ${name} does not exist`);
const lastAdmin = () => new DomainError("conflict", "this is the last enabled admin");

export function listUsers(db: Db): Promise<User[]> {
  return db.transaction((tx) => repo.listUsers(tx));
}

export interface NewAccount {
  name: string;
  role: Role;
  passwordHash: string;
  language: string;
}

export function createAccount(db: Db, who: Actor, at: string, user: NewAccount): Promise<User> {
  return db.transaction(async (tx) => {
    if (await repo.getUserByName(tx, user.name))
      throw new DomainError("already-exists", `user ${user.name} exists`);
    const row = await repo.createUser(tx, {
      id: randomUUID(),
      name: user.name,
      role: user.role,
      password_hash: user.passwordHash,
      disabled: false,
      language: user.language,
      created_at: at,
      updated_at: at,
    });
    await audit(tx, who, at, "create", user.name, undefined, row);
    return row;
  });
}

export interface AccountChange {
  role?: Role;
  disabled?: boolean;
  passwordHash?: string;
  language?: string;
}

export function changeAccount(
  db: Db,
  who: Actor,
  at: string,
  name: string,
  change: AccountChange,
): Promise<User> {
  return db.transaction(async (tx) => {
    const before = await repo.getUserByName(tx, name);
    if (!before) throw missing(name);
    const losesAdmin =
      before.role === "admin" &&
      !before.disabled &&
      ((change.role && change.role !== "admin") || change.disabled);
    if (losesAdmin && (await repo.countAdmins(tx)) <= 1) throw lastAdmin();
    const after = await repo.updateUser(tx, before.id, {
      ...(change.role ? { role: change.role } : {}),
      ...(change.disabled !== undefined ? { disabled: change.disabled } : {}),
      ...(change.passwordHash ? { password_hash: change.passwordHash } : {}),
      ...(change.language ? { language: change.language } : {}),
      updated_at: at,
    });
    if (!after) throw missing(name);
    if (change.disabled || change.passwordHash || (change.role && change.role !== before.role))
      await deleteSessionsForUser(tx, before.id);
    // A disabled user's API tokens die too: re-enabling does not revive them.
    // So do their tokens when they are demoted: a token must not keep a role its owner lost.
    const demoted =
      change.role !== undefined && ROLES.indexOf(change.role) > ROLES.indexOf(before.role as Role);
    if ((change.disabled && !before.disabled) || demoted)
      await revokeTokensMadeBy(tx, `user:${before.name}`, at);
    await audit(tx, who, at, change.passwordHash ? "update-password" : "update", name, before, after);
    return after;
  });
}

/** Deletes a user, ending their sessions and revoking the API tokens they made. */
export function deleteAccount(db: Db, who: Actor, at: string, name: string): Promise<void> {
  return db.transaction(async (tx) => {
    const before = await repo.getUserByName(tx, name);
    if (!before) throw missing(name);
    if (before.role === "admin" && !before.disabled && (await repo.countAdmins(tx)) <= 1) throw lastAdmin();
    await deleteSessionsForUser(tx, before.id);
    await revokeTokensMadeBy(tx, `user:${before.name}`, at);
    await repo.deleteUser(tx, before.id);
    await audit(tx, who, at, "delete", name, before);
  });
}
