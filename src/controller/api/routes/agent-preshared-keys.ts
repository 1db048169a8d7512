/**
 * `GET /agent/v1/preshared-keys`: the preshared keys of the calling node's peers (networks with
 * `presharedKeys: true`), by the `presharedKeyRef` its desired state names — and only those.
 * `?refs=a,b` asks for those of them only: an agent asks for the keys it lacks (a hub that gains
 * one spoke, one key), not for every pair's each time. Secrets: never cached, never logged.
 * Served on the API and the enrollment listeners.
 */
import { z } from "zod";
import type { DesiredState } from "../../../model/index.js";
import { DomainError } from "../../errors.js";
import { presharedKeyRefs, presharedKeysFor } from "../../state/preshared-keys.js";
import { type AnyRoute, agentRoute } from "../route.js";
import type { Services } from "../services.js";

export function agentPresharedKeyRoutes(s: Services): AnyRoute[] {
  return [
    agentRoute({
      method: "GET",
      path: "/agent/v1/preshared-keys",
      summary: "The preshared keys of the calling node's peers, by presharedKeyRef",
      query: z.strictObject({
        refs: z
          .string()
          .max(64 * 1024)
          .optional()
          .describe("Comma-separated presharedKeyRefs to answer; absent: all of the node's"),
      }),
      response: z.object({ keys: z.record(z.string(), z.string()) }),
      handler: async ({ principal, query, reply }) => {
        const node = principal.node!;
        const only = query.refs === undefined ? undefined : new Set(query.refs.split(",").filter(Boolean));
        // The state this replica delivers; the stored intent when a ref asked for is not in it
        // yet (the agent's config came from a replica that saw a newer revision).
        let state = s.delivery.notifier.stateOf(node);
        if (!state || (only && !names(state, only))) state = (await s.intent.current()).compiled.get(node);
        if (!state) throw new DomainError("not-found", `node ${node} is not in the compiled intent`);
        reply.header("cache-control", "no-store");
        return { keys: await presharedKeysFor(s.db, state, only) };
      },
    }),
  ];
}

/** Whether `state` names every ref in `refs`. */
function names(state: DesiredState, refs: ReadonlySet<string>): boolean {
  const named = new Set(presharedKeyRefs(state));
  return [...refs].every((r) => named.has(r));
}
