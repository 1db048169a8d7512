/**
 * `GET /agent/v1/preshared-keys`: the preshared keys of the calling node's peers (networks with
 * `presharedKeys: true`), by the `presharedKeyRef` its desired state names — and only those.
 * Secrets: never cached, never logged. Served on the API and the enrollment listeners.
 */
import { z } from "zod";
import { DomainError } from "../../errors.js";
import { presharedKeysFor } from "../../state/preshared-keys.js";
import { type AnyRoute, agentRoute } from "../route.js";
import type { Services } from "../services.js";

export function agentPresharedKeyRoutes(s: Services): AnyRoute[] {
  return [
    agentRoute({
      method: "GET",
      path: "/agent/v1/preshared-keys",
      summary: "The preshared keys of the calling node's peers, by presharedKeyRef",
      response: z.object({ keys: z.record(z.string(), z.string()) }),
      handler: async ({ principal, reply }) => {
        const node = principal.node!;
        const state = (await s.intent.current()).compiled.get(node);
        if (!state) throw new DomainError("not-found", `node ${node} is not in the compiled intent`);
        reply.header("cache-control", "no-store");
        return { keys: await presharedKeysFor(s.db, state) };
      },
    }),
  ];
}
