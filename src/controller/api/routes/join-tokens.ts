/**
 * Join tokens (SPEC §4): one per enrollment policy use case, shown once, stored as a hash;
 * expiring, limited in uses, revocable. Operators create and revoke, any role lists. Revoking a
 * token stops new enrollments with it and disturbs no node already approved.
 */
import { z } from "zod";
import { dnsLabel, duration } from "../../../model/index.js";
import { formatJoinToken, JOIN_TOKEN_ID } from "../../../model/join-token.js";
import { newApiToken } from "../../auth/secrets.js";
import { controllerIdentity } from "../../enroll/identity.js";
import {
  type JoinTokenRecord,
  joinTokens,
  mintJoinToken,
  revokeJoinTokenAudited,
} from "../../enroll/join-tokens.js";
import { DomainError } from "../../errors.js";
import { resourceKey } from "../../state/snapshot.js";
import { issuedColumns, issuedFields, issuedView } from "../issued-fields.js";
import { type AnyRoute, listRoute, route } from "../route.js";
import type { Services } from "../services.js";

const item = z.object({
  id: z.string(),
  policy: z.string(),
  ...issuedFields,
  maxUses: z.number().nullable(),
  uses: z.number(),
  revokedAt: z.string().nullable(),
});

/** A join token as the API lists it (never its secret). */
export type JoinTokenView = z.infer<typeof item>;

const view = (t: JoinTokenRecord) => ({
  id: t.id,
  policy: t.policy,
  ...issuedView(t),
  maxUses: t.max_uses,
  uses: Number(t.uses),
  revokedAt: t.revoked_at,
});

const idParam = z.strictObject({ id: z.string().regex(JOIN_TOKEN_ID, { error: "invalid token id" }) });

export function joinTokenRoutes(s: Services): AnyRoute[] {
  return [
    listRoute({
      path: "/api/v1/join-tokens",
      permission: "read",
      summary: "List join tokens (never their secrets)",
      tag: "Enrollment",
      item,
      items: async () => (await joinTokens(s.db)).map(view),
    }),
    route({
      method: "POST",
      path: "/api/v1/join-tokens",
      permission: "write",
      summary: "Create a join token for a policy; the token text is in this answer only",
      tag: "Enrollment",
      body: z.strictObject({
        policy: dnsLabel,
        ttl: duration.optional(),
        uses: z.number().int().min(1).max(1_000_000).optional(),
        /** Enrollment URLs to put in the token instead of this controller's `--enroll-listen` ones. */
        urls: z
          .array(z.url({ protocol: /^https$/ }))
          .min(1)
          .optional(),
      }),
      status: 201,
      response: item.extend({ token: z.string() }),
      handler: async ({ body, principal, request, reply }) => {
        const enroll = s.enroll;
        const urls = body.urls ?? enroll?.urls ?? [];
        if (!enroll || urls.length === 0) {
          throw new DomainError(
            "bad-request",
            "this controller has no enrollment listener (start it with --enroll-listen ADDR:PORT)",
          );
        }
        const snap = await s.intent.current();
        const policy = snap.resources.get(resourceKey("EnrollmentPolicy", body.policy));
        if (policy?.kind !== "EnrollmentPolicy") {
          throw new DomainError("not-found", `EnrollmentPolicy/${body.policy} does not exist`);
        }
        const identity = await controllerIdentity(s.db);
        const { id, secret } = newApiToken();
        const row = await mintJoinToken(s.db, s.actor(principal, request), {
          id,
          policy: body.policy,
          ...issuedColumns(principal.actor, s.now(), secret, body.ttl),
          max_uses: body.uses ?? null,
          revoked_at: null,
        });
        const token = formatJoinToken({
          v: 1,
          id,
          secret,
          policy: body.policy,
          network: policy.spec.network,
          role: policy.spec.role,
          urls: [...urls],
          caSha256: enroll.caSha256,
          audience: identity.id,
          controllerKey: identity.publicKey as never,
        });
        reply.code(201);
        return { ...view(row), token };
      },
    }),
    route({
      method: "POST",
      path: "/api/v1/join-tokens/:id/revoke",
      permission: "write",
      summary: "Revoke a join token (new enrollments with it are refused at once)",
      tag: "Enrollment",
      params: idParam,
      response: item,
      handler: async ({ params, principal, request }) => {
        const at = s.now().toISOString();
        const row = await revokeJoinTokenAudited(s.db, s.actor(principal, request), at, params.id);
        return view(row);
      },
    }),
  ];
}
