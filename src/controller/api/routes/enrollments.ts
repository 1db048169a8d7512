/**
 * Operator decisions on enrollments (SPEC §4): approve or reject a Pending one, revoke an
 * approved node, reset a final one so its name may enroll again. Listing enrollments is the generic resource list (`?state=Pending`).
 */
import { z } from "zod";
import { dnsLabel, Enrollment, safeText } from "../../../model/index.js";
import { enrollmentConfig } from "../../enroll/config.js";
import { decideEnrollment, RESETTABLE, resetEnrollment, revokeNode } from "../../enroll/decide.js";
import type { EnrollServices } from "../../enroll/join.js";
import { storedResource } from "../../state/stored-resources.js";
import { type AnyRoute, type Permission, route } from "../route.js";
import type { Services } from "../services.js";

const nameParam = z.strictObject({ name: dnsLabel });

/**
 * What deciding an enrollment's state takes: approve, reject, revoke, reset — and restoring a
 * state through apply/import (apply.ts checks it too, so that it can never need less).
 */
export const DECISION_PERMISSION: Permission = "write";

/** The enrollment services of `s` (operator decisions need no listener: config only shapes agent answers). */
export function enrollServicesOf(s: Services): EnrollServices {
  return {
    db: s.db,
    intent: s.intent,
    now: () => s.now(),
    config: s.enroll ?? enrollmentConfig({ urls: [], caSha256: "", caPem: "" }),
  };
}

export function enrollmentRoutes(s: Services): AnyRoute[] {
  const e = enrollServicesOf(s);
  const stored = async (name: string) => (await storedResource(s.db, "Enrollment", name))!;
  return [
    route({
      method: "POST",
      path: "/api/v1/enrollments/:name/approve",
      permission: DECISION_PERMISSION,
      summary: "Approve a Pending enrollment: the node joins at the next revision",
      tag: "Enrollment",
      params: nameParam,
      body: z.strictObject({ reason: safeText.optional() }).optional(),
      response: Enrollment,
      handler: async ({ params, body, principal, request }) => {
        await decideEnrollment(
          e,
          s.actor(principal, request),
          params.name,
          "approve",
          body?.reason ?? "approved",
        );
        return stored(params.name);
      },
    }),
    route({
      method: "POST",
      path: "/api/v1/enrollments/:name/reject",
      permission: DECISION_PERMISSION,
      summary: "Reject a Pending enrollment, saying why",
      tag: "Enrollment",
      params: nameParam,
      body: z.strictObject({ reason: safeText.pipe(z.string().min(1, { error: "give a reason" })) }),
      response: Enrollment,
      handler: async ({ params, body, principal, request }) => {
        await decideEnrollment(e, s.actor(principal, request), params.name, "reject", body.reason);
        return stored(params.name);
      },
    }),
    route({
      method: "POST",
      path: "/api/v1/nodes/:name/revoke",
      permission: DECISION_PERMISSION,
      summary: "Revoke an enrolled node: its credential at once, its peers at the next revision",
      tag: "Enrollment",
      params: nameParam,
      body: z.strictObject({ reason: safeText.optional() }).optional(),
      response: z.object({ node: z.string(), state: z.literal("Revoked") }),
      handler: async ({ params, body, principal, request }) => {
        await revokeNode(e, s.actor(principal, request), params.name, body?.reason ?? "revoked");
        return { node: params.name, state: "Revoked" as const };
      },
    }),
    route({
      method: "POST",
      path: "/api/v1/enrollments/:name/reset",
      permission: DECISION_PERMISSION,
      summary:
        "Reset a Rejected, Revoked or Expired enrollment: the name may enroll again (a new join), audited",
      tag: "Enrollment",
      params: nameParam,
      body: z.strictObject({ reason: safeText.optional() }).optional(),
      response: z.object({ node: z.string(), state: z.enum(RESETTABLE) }),
      handler: async ({ params, body, principal, request }) =>
        resetEnrollment(e, s.actor(principal, request), params.name, body?.reason ?? "reset"),
    }),
  ];
}
