/**
 * Patches on the long poll, on each engine: an agent that sends the state it has (`patch=1`) is
 * answered with a patch of it when the controller still knows that revision, and that patch gives
 * exactly the whole state a plain poll gets; otherwise (or without `patch=1`) the whole state.
 */
import { describe, expect, it } from "vitest";
import { type DesiredState, parseDesiredStateAnswer } from "../../model/index.js";
import { corpSpokes, nodeCredential } from "../testing/agents.js";
import { corpController, type MakeController } from "../testing/api-harness.js";
import { expectOk } from "../testing/expect-api.js";

const spokes = (count: number, third: number) => corpSpokes(count, third);

export function patchDeliveryApiSuite(make: MakeController): void {
  describe("GET /agent/v1/config?patch=1", () => {
    it("sends a hub a patch of the state it has, which gives the whole state", async () => {
      const c = await corpController(make, { withoutTokens: false });
      expectOk(await c.call(c.admin, "POST", "/api/v1/apply", { body: { items: spokes(70, 20) } }));
      const hub = await nodeCredential(c.db, "hub-fra");
      const first = await c.call(hub, "GET", "/agent/v1/config");
      expectOk(first);
      const base = parseDesiredStateAnswer(first.body, undefined);

      const have = encodeURIComponent(base.revision);
      const poll = c.call(hub, "GET", `/agent/v1/config?have=${have}&patch=1&wait=30`);
      // One spoke moves: the hub's peer and route for it change, nothing else.
      const moved = spokes(70, 21).slice(5, 6);
      expectOk(await c.call(c.admin, "POST", "/api/v1/apply", { body: { items: moved } }));
      const answer = await poll;
      expectOk(answer);
      const patch = answer.json() as { kind: string; base: string; revision: string };
      expect(patch).toMatchObject({ kind: "NodeConfigPatch", base: base.revision });

      const whole = await c.call(hub, "GET", "/agent/v1/config");
      const next = whole.json() as DesiredState;
      expect(patch.revision).toBe(next.revision);
      expect(answer.body.length * 10).toBeLessThan(whole.body.length);
      expect(parseDesiredStateAnswer(answer.body, base)).toStrictEqual(next);

      // And again from there (the compiler updates its states in place; the base must not move).
      const again = c.call(
        hub,
        "GET",
        `/agent/v1/config?have=${encodeURIComponent(next.revision)}&patch=1&wait=30`,
      );
      expectOk(
        await c.call(c.admin, "POST", "/api/v1/apply", { body: { items: spokes(70, 23).slice(6, 7) } }),
      );
      const second = await again;
      expect(second.json()).toMatchObject({ kind: "NodeConfigPatch", base: next.revision });
      const third = (await c.call(hub, "GET", "/agent/v1/config")).json() as DesiredState;
      expect(parseDesiredStateAnswer(second.body, next)).toStrictEqual(third);

      // Without patch=1, and from a revision the controller no longer keeps: the whole state.
      const plain = await c.call(hub, "GET", `/agent/v1/config?have=${have}`);
      expect(plain.json()).toMatchObject({ kind: "NodeConfig", revision: third.revision });
      const stale = await c.call(hub, "GET", "/agent/v1/config?have=gone&patch=1");
      expect(stale.json()).toMatchObject({ kind: "NodeConfig", revision: third.revision });
      // A spoke (few peers) is always sent whole.
      const spoke = await nodeCredential(c.db, "many-5");
      const spokeState = (await c.call(spoke, "GET", "/agent/v1/config")).json() as DesiredState;
      expectOk(
        await c.call(c.admin, "POST", "/api/v1/apply", { body: { items: spokes(70, 22).slice(5, 6) } }),
      );
      const spokeNext = await c.call(
        spoke,
        "GET",
        `/agent/v1/config?have=${encodeURIComponent(spokeState.revision)}&patch=1`,
      );
      expect(spokeNext.json()).toMatchObject({ kind: "NodeConfig" });
    });
  });
}
