/**
 * `GET /agent/v1/config`: an agent's long poll for its desired state. Answers at once with the
 * state when its revision differs from `have` (or `have` is absent); otherwise holds the request
 * until the node's revision changes or `wait` seconds pass (204, no body). With `patch=1` the answer
 * may be a patch of the `have` state (model/desired-state-patch.ts). Served on the API and
 * the enrollment listeners, with the node's own credential.
 */
import { z } from "zod";
import { desiredStateSchema } from "../../../model/desired-state.js";
import { desiredStatePatchSchema } from "../../../model/desired-state-patch.js";
import { DomainError } from "../../errors.js";
import { MAX_WAIT_SECONDS, type NextResult } from "../../notify/notifier.js";
import { type AnyRoute, agentRoute } from "../route.js";
import type { Services } from "../services.js";

/** How long a long poll is held when `wait` is not given, seconds. */
export const DEFAULT_WAIT_SECONDS = 30;

export function agentConfigRoutes(s: Services): AnyRoute[] {
  return [
    agentRoute({
      method: "GET",
      path: "/agent/v1/config",
      summary:
        "The calling node's desired state, long-polled: 200 when it differs from `have`, else 204 after `wait`",
      query: z.strictObject({
        /** The revision the agent has; absent: send the state at once. */
        have: z.string().min(1).max(128).optional(),
        wait: z.coerce.number().int().min(0).max(MAX_WAIT_SECONDS).default(DEFAULT_WAIT_SECONDS),
        /** `1`: the agent can apply a patch of `have` (a `NodeConfigPatch`) instead of the whole state. */
        patch: z.enum(["0", "1"]).optional(),
      }),
      // The agent wire protocol itself: agents parse the answer with these schemas.
      response: z.union([desiredStateSchema, desiredStatePatchSchema]),
      handler: async ({ principal, query, reply }) => {
        const node = principal.node!;
        // A client that hangs up ends its wait, so held requests never pile up.
        const gone = new AbortController();
        const hungUp = () => gone.abort();
        reply.raw.once("close", hungUp);
        let result: NextResult;
        try {
          result = await s.delivery.notifier.next(node, query.have, query.wait * 1000, gone.signal);
        } finally {
          reply.raw.off("close", hungUp);
        }
        if (result === "not-found")
          throw new DomainError("not-found", `node ${node} is not in the compiled intent`);
        if (result === undefined) {
          reply.code(204);
          return undefined;
        }
        // Built once per node and revision (the notifier keeps the bytes), sent without
        // serialising again: a change of thousands of nodes must not stringify each state anew.
        reply.type("application/json; charset=utf-8");
        return s.delivery.notifier.answerBody(result, query.patch === "1" ? query.have : undefined);
      },
    }),
  ];
}
