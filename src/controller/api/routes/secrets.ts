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
import { rotateSecret, SECRETS } from "../../state/rotate-secrets.js";
import { type AnyRoute, route } from "../route.js";
import type { Services } from "../services.js";

export { SECRETS };

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
        const at = s.now().toISOString();
        const rotated = await rotateSecret(s.db, s.intent, s.actor(principal, request), params.secret, at);
        return { secret: params.secret, rotatedAt: at, ...rotated };
      },
    }),
  ];
}
