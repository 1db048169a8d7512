/** API tokens: minted and revoked with their audit entry in the same transaction. */
import type { Db } from "../db/open.js";
import { appendAudit } from "../db/repo-audit.js";
import {
  type ApiToken,
  createToken,
  getToken,
  listTokens,
  type NewApiToken,
  revokeToken,
} from "../db/repo-tokens.js";
import { DomainError } from "../errors.js";
import type { Actor } from "../state/intent-store.js";

export type { ApiToken };

export function listApiTokens(db: Db): Promise<ApiToken[]> {
  return db.transaction((tx) => listTokens(tx));
}

/** Stores a new token (its secret already hashed); `token.created_at` is the audit time. */
export function mintApiToken(
  db: Db,
  who: Actor,
  token: NewApiToken & { id: string; created_at: string },
): Promise<ApiToken> {
  return db.transaction(async (tx) => {
    const created = await createToken(tx, token);
    await appendAudit(tx, {
      ...who,
      at: token.created_at,
      action: "create",
      kind: "ApiToken",
      name: `${token.name} (${token.id})`,
      after: { id: token.id, name: token.name, role: token.role, expiresAt: token.expires_at ?? null },
    });
    return created;
  });
}

/** Revokes a token at `at` (effective at once); not-found when there is none. */
export function revokeApiToken(db: Db, who: Actor, at: string, id: string): Promise<void> {
  return db.transaction(async (tx) => {
    const token = await getToken(tx, id);
    if (!token) throw new DomainError("not-found", `token ${id} does not exist`);
    await revokeToken(tx, id, at);
    await appendAudit(tx, {
      ...who,
      at,
      action: "revoke",
      kind: "ApiToken",
      name: `${token.name} (${token.id})`,
    });
  });
}
