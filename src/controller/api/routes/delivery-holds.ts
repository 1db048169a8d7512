/**
 * The blast-radius guard's holds (SPEC §5): hubs whose newer desired state would remove too many
 * peers at once and waits, undelivered, for an operator. Listing is for any role; confirming
 * (the hub then gets the revision at once) is an operator's decision, audited.
 */
import { z } from "zod";
import { dnsLabel } from "../../../model/index.js";
import type { Hold } from "../../guard/delivery-guard.js";
import { type AnyRoute, route } from "../route.js";
import type { Services } from "../services.js";

const hold = z.object({
  node: z.string(),
  revision: z.string().describe("the held desired-state revision"),
  baselineRevision: z.string().describe("the revision the hub keeps meanwhile (last delivered)"),
  peersBefore: z.number().int(),
  removed: z.number().int().describe("peers the held revision would remove"),
  removedNames: z.array(z.string()).describe("the first 50 of them, by name"),
  heldAt: z.string(),
});

/** A held hub revision as the API lists it. */
export type HoldView = z.infer<typeof hold>;

const view = (h: Hold) => ({ ...h, removedNames: [...h.removedNames] });

export function deliveryHoldRoutes(s: Services): AnyRoute[] {
  // Read at request time: the route table is also built without services (OpenAPI, tests).
  const guard = () => s.delivery.notifier;
  return [
    route({
      method: "GET",
      path: "/api/v1/delivery-holds",
      permission: "read",
      summary: "Hubs whose next revision the blast-radius guard holds for confirmation",
      tag: "Delivery",
      response: z.object({
        items: z.array(hold),
        policy: z.object({ maxRemovedShare: z.number(), minRemoved: z.number().int() }),
      }),
      handler: async () => ({
        items: (await guard().guard.holds()).map(view),
        policy: guard().guard.policy,
      }),
    }),
    route({
      method: "POST",
      path: "/api/v1/delivery-holds/:node/confirm",
      permission: "write",
      summary: "Confirm a held hub revision: the hub gets it (and removes those peers) at once",
      tag: "Delivery",
      params: z.strictObject({ node: dnsLabel }),
      body: z
        .strictObject({
          revision: z
            .string()
            .min(1)
            .max(128)
            .optional()
            .describe("the held revision reviewed; refused if another is held"),
        })
        .optional(),
      response: hold,
      handler: async ({ params, body, principal, request }) =>
        view(await guard().confirmHold(s.actor(principal, request), params.node, body?.revision)),
    }),
  ];
}
