/** Signing in and out: the user a login names, sessions begun (audited) and ended, own preferences. */
import type { Db } from "../db/open.js";
import { appendAudit } from "../db/repo-audit.js";
import { createSession, deleteSession, type NewSession } from "../db/repo-sessions.js";
import { getUserById, getUserByName, type UserRecord, updateUser } from "../db/repo-users.js";
import type { Actor } from "../state/intent-store.js";

export type { NewSession };

/** The user a login names, with the password hash to check. */
export function userForLogin(db: Db, name: string): Promise<UserRecord | undefined> {
  return db.transaction((tx) => getUserByName(tx, name));
}

export function userById(db: Db, id: string): Promise<UserRecord | undefined> {
  return db.transaction((tx) => getUserById(tx, id));
}

/** Stores the session and audits the login; `who.actor` is the user signing in. */
export function startSession(
  db: Db,
  who: Actor,
  session: NewSession & { created_at: string },
): Promise<void> {
  return db.transaction(async (tx) => {
    await createSession(tx, session);
    await appendAudit(tx, {
      at: session.created_at,
      actor: who.actor,
      source: who.source,
      action: "login",
      kind: null,
      name: null,
      before: null,
      after: null,
    });
  });
}

export async function endSession(db: Db, idHash: string): Promise<void> {
  await db.transaction((tx) => deleteSession(tx, idHash));
}

export async function setLanguage(db: Db, userId: string, language: string, at: string): Promise<void> {
  await db.transaction((tx) => updateUser(tx, userId, { language, updated_at: at }));
}
