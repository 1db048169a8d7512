/**
 * API tokens for automation (admin only): scoped to a role, optionally
 * expiring, revocable; the secret is shown once and stored only as a hash.
 */
import { z } from "zod";
import { duration } from "../../../model/index.js";
import { tokenName } from "../../auth/account-fields.js";
import { type ApiToken, listApiTokens, mintApiToken, revokeApiToken } from "../../auth/api-tokens.js";
import { ROLES } from "../../auth/principal.js";
import { newApiToken } from "../../auth/secrets.js";
import { issuedColumns, issuedFields, issuedView } from "../issued-fields.js";
import { type AnyRoute, listRoute, route } from "../route.js";
import type { Services } from "../services.js";

const tokenView = z.object({
  id: z.string(),
  name: z.string(),
  role: z.enum(ROLES),
  ...issuedFields,
  revokedAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
});

const view = (t: ApiToken) => ({
  id: t.id,
  name: t.name,
  role: t.role,
  ...issuedView(t),
  revokedAt: t.revoked_at,
  lastUsedAt: t.last_used_at,
});

export function tokenRoutes(s: Services): AnyRoute[] {
  return [
    listRoute({
      path: "/api/v1/tokens",
      permission: "admin",
      summary: "List API tokens (never their secrets)",
      tag: "Tokens",
      item: tokenView,
      items: async () => (await listApiTokens(s.db)).map(view),
    }),
    route({
      method: "POST",
      path: "/api/v1/tokens",
      permission: "admin",
      summary: "Create an API token; the token is in this answer only",
      tag: "Tokens",
      body: z.strictObject({
        name: tokenName,
        role: z.enum(ROLES),
        ttl: duration.optional(),
      }),
      status: 201,
      response: tokenView.extend({ token: z.string() }),
      handler: async ({ body, principal, request, reply }) => {
        const { id, secret, token } = newApiToken();
        const row = await mintApiToken(s.db, s.actor(principal, request), {
          id,
          name: body.name,
          role: body.role,
          ...issuedColumns(principal.actor, s.now(), secret, body.ttl),
        });
        reply.code(201);
        return { ...view(row), token };
      },
    }),
    route({
      method: "DELETE",
      path: "/api/v1/tokens/:id",
      permission: "admin",
      summary: "Revoke an API token (effective at once)",
      tag: "Tokens",
      params: z.strictObject({ id: z.string().regex(/^[a-z0-9]{12}$/) }),
      status: 204,
      handler: async ({ params, principal, request, reply }) => {
        await revokeApiToken(s.db, s.actor(principal, request), s.now().toISOString(), params.id);
        reply.code(204);
        return undefined;
      },
    }),
  ];
}
