/**
 * Rotating the controller's own secrets in `meta`, audited as `rotate-secret` in the same
 * transaction: the enrollment key pair (under the writers' lock, so two rotations at once never
 * retire the same key twice) or the preshared-key secret (a new intent revision: every pair's key
 * changes and nodes re-fetch).
 */
import type { Db } from "../db/open.js";
import { appendAudit } from "../db/repo-audit.js";
import { rotateEnrollmentKey } from "../enroll/identity.js";
import { type Actor, INTENT_WRITE_LOCK, type IntentStore } from "./intent-store.js";
import { rotatePresharedKeySecret } from "./preshared-keys.js";

export const SECRETS = ["enrollment-key", "psk-secret"] as const;
export type SecretName = (typeof SECRETS)[number];

export type Rotated = { publicKey: string } | { generation: number; revision: number };

export async function rotateSecret(
  db: Db,
  intent: IntentStore,
  who: Actor,
  secret: SecretName,
  at: string,
): Promise<Rotated> {
  const audit = { at, actor: who.actor, source: who.source, action: "rotate-secret", kind: "Controller" };
  if (secret === "enrollment-key") {
    const keys = await db.exclusive(INTENT_WRITE_LOCK, async (tx) => {
      const k = await rotateEnrollmentKey(db, tx, at);
      await appendAudit(tx, {
        ...audit,
        name: "enrollment-key",
        before: { publicKey: k.previous },
        after: { publicKey: k.publicKey },
      });
      return k;
    });
    return { publicKey: keys.publicKey };
  }
  const { result: generation, revision } = await intent.rewrite(async (tx) => {
    const g = await rotatePresharedKeySecret(tx);
    await appendAudit(tx, {
      ...audit,
      name: "psk-secret",
      before: { generation: g - 1 },
      after: { generation: g },
    });
    return g;
  });
  return { generation, revision };
}
