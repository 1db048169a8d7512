/** Join tokens as operators manage them: listed, minted and revoked, audited in the same transaction. */
import type { Insertable } from "kysely";
import type { Db } from "../db/open.js";
import { appendAudit } from "../db/repo-audit.js";
import {
  createJoinToken,
  getJoinToken,
  type JoinTokenRecord,
  listJoinTokens,
  revokeJoinToken,
} from "../db/repo-join-tokens.js";
import type { JoinTokensTable } from "../db/schema.js";
import { DomainError } from "../errors.js";
import type { Actor } from "../state/intent-store.js";

export type { JoinTokenRecord };

export function joinTokens(db: Db): Promise<JoinTokenRecord[]> {
  return db.transaction((tx) => listJoinTokens(tx));
}

/** Stores a new token (its secret already hashed); `token.created_at` is the audit time. */
export function mintJoinToken(
  db: Db,
  who: Actor,
  token: Insertable<JoinTokensTable> & { created_at: string },
): Promise<JoinTokenRecord> {
  return db.transaction(async (tx) => {
    const created = await createJoinToken(tx, token);
    await appendAudit(tx, {
      ...who,
      at: token.created_at,
      action: "create",
      kind: "JoinToken",
      name: token.id,
      after: {
        id: token.id,
        policy: token.policy,
        expiresAt: token.expires_at ?? null,
        maxUses: token.max_uses ?? null,
      },
    });
    return created;
  });
}

/** Revokes a token at `at`: new enrollments with it are refused at once. Not-found when there is none. */
export function revokeJoinTokenAudited(db: Db, who: Actor, at: string, id: string): Promise<JoinTokenRecord> {
  return db.transaction(async (tx) => {
    if (!(await revokeJoinToken(tx, id, at)))
      throw new DomainError("not-found", `join token ${id} does not exist`);
    await appendAudit(tx, {
      ...who,
      at,
      action: "revoke",
      kind: "JoinToken",
      name: id,
    });
    return (await getJoinToken(tx, id))!;
  });
}
