/**
 * `POST /api/v1/secrets/{secret}/rotate` (admin): replaces one of the controller's own secrets in
 * `meta`, audited as `rotate-secret`. An API route, like backup and restore, rather than a command
 * on the data directory: every replica shares the database (a PostgreSQL controller has no data
 * directory to hold it), the audit names the admin who asked, and the replicas learn of it the
 * way they learn of any change.
 *
 * - `enrollment-key`: a new X25519 key pair for proofs of possession; new join tokens carry its
 *   public half, tokens minted before keep working until they expire, and enrolled nodes keep
 *   proving against the key they joined with (enroll/identity.ts).
 * - `psk-secret`: a new preshared-key secret, so every pair's key changes; every node with a
 *   preshared key gets a new revision, fetches its new keys and sets them (state/preshared-keys.ts).
 */
import { z } from "zod";
import { appendAudit } from "../../db/repo-audit.js";
import { rotateEnrollmentKey } from "../../enroll/identity.js";
import { INTENT_WRITE_LOCK } from "../../state/intent-store.js";
import { rotatePresharedKeySecret } from "../../state/preshared-keys.js";
import { type AnyRoute, route } from "../route.js";
import type { Services } from "../services.js";

export const SECRETS = ["enrollment-key", "psk-secret"] as const;

export function secretRoutes(s: Services): AnyRoute[] {
  return [
    route({
      method: "POST",
      path: "/api/v1/secrets/:secret/rotate",
      permission: "admin",
      summary:
        "Rotate the enrollment key (new join tokens carry the new public key) or the preshared-key secret (every pair's key changes; nodes re-fetch)",
      tag: "Operations",
      params: z.strictObject({ secret: z.enum(SECRETS) }),
      response: z.object({
        secret: z.enum(SECRETS),
        rotatedAt: z.string(),
        publicKey: z.string().optional(),
        generation: z.number().optional(),
        revision: z.number().optional(),
      }),
      handler: async ({ params, principal, request }) => {
        const actor = s.actor(principal, request);
        const at = s.now().toISOString();
        const audit = {
          at,
          actor: actor.actor,
          source: actor.source,
          action: "rotate-secret",
          kind: "Controller",
        };
        if (params.secret === "enrollment-key") {
          // Under the writers' lock: two rotations at once must not retire the same key twice.
          const keys = await s.db.exclusive(INTENT_WRITE_LOCK, async (tx) => {
            const k = await rotateEnrollmentKey(s.db, tx, at);
            await appendAudit(tx, {
              ...audit,
              name: "enrollment-key",
              before: { publicKey: k.previous },
              after: { publicKey: k.publicKey },
            });
            return k;
          });
          return { secret: params.secret, rotatedAt: at, publicKey: keys.publicKey };
        }
        const { result: generation, revision } = await s.intent.rewrite(async (tx) => {
          const g = await rotatePresharedKeySecret(tx);
          await appendAudit(tx, {
            ...audit,
            name: "psk-secret",
            before: { generation: g - 1 },
            after: { generation: g },
          });
          return g;
        });
        return { secret: params.secret, rotatedAt: at, generation, revision };
      },
    }),
  ];
}
