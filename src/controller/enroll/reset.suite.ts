/**
 * Shared tests of the operator's reset (`POST /api/v1/enrollments/{name}/reset`): a Revoked or
 * Rejected name is refused until reset, enrolls again after it, and nothing else can be reset.
 * Run on every dialect.
 */
import { describe, expect, it } from "vitest";
import { generatePrivateKey, publicKeyFromPrivate } from "../../keys/wgkeys.js";
import { IntentStore } from "../state/intent-store.js";
import type { MakeController } from "../testing/api-harness.js";
import * as enroll from "../testing/enroll-fixture.js";

export function enrollResetApiSuite(make: MakeController): void {
  describe("enrollment reset", () => {
    it("a revoked name enrolls again only after an audited reset, with a new key and credential", async () => {
      const c = await enroll.enrollController(make);
      const token = await enroll.joinToken(c, "lab");
      const old = generatePrivateKey();
      const first = await enroll.enrollNode(c, token, "lab-again", {}, old);
      const oldCredential = (first.response.json() as { credential: string }).credential;
      const url = "/api/v1/enrollments/lab-again/reset";
      // Approved: nothing to reset.
      expect((await c.call(c.admin, "POST", url)).statusCode).toBe(409);
      expect((await c.call(c.admin, "POST", "/api/v1/nodes/lab-again/revoke")).statusCode).toBe(200);
      const key = generatePrivateKey();
      expect(enroll.reasonOf(await enroll.postJoin(c, enroll.joinBody(c, token, "lab-again", key)))).toBe(
        "node-revoked",
      );

      const before = await enroll.stateOf(c);
      const viewer = await c.call(c.tokens.viewer.credential, "POST", url);
      expect(viewer.statusCode).toBe(403);
      expect((await c.call(c.admin, "POST", url, { body: { reason: 7 } })).statusCode).toBe(400);
      expect((await c.call(c.admin, "POST", "/api/v1/enrollments/lab-none/reset")).statusCode).toBe(404);
      expect(await enroll.stateOf(c)).toEqual(before);

      const r = await c.call(c.tokens.operator.credential, "POST", url, {
        body: { reason: "laptop recovered" },
      });
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json()).toEqual({ node: "lab-again", state: "Revoked" });
      expect(await enroll.audited(c, "reset", "lab-again")).toMatchObject({
        actor: "token:ci-operator",
        after: { state: "none", reason: "laptop recovered" },
      });
      // Reset once: a second one finds nothing.
      expect((await c.call(c.admin, "POST", url)).statusCode).toBe(404);

      const again = await enroll.postJoin(c, enroll.joinBody(c, token, "lab-again", key));
      expect(again.statusCode, again.body).toBe(200);
      expect(again.json()).toMatchObject({ state: "Approved", node: "lab-again" });
      const hub = (await new IntentStore(c.db).current()).compiled.get("hub-fra")!;
      const peers = hub.interfaces.flatMap((i) => i.peers.map((p) => p.publicKey));
      expect(peers).toContain(publicKeyFromPrivate(key));
      expect(peers).not.toContain(publicKeyFromPrivate(old));
      // The old identity's credential stays dead; the new one works.
      const works = async (credential: string) =>
        (
          await c.app.inject({
            method: "GET",
            url: "/agent/v1/preshared-keys",
            headers: { authorization: `Bearer ${credential}` },
          })
        ).statusCode;
      expect(await works(oldCredential)).toBe(401);
      expect(await works((again.json() as { credential: string }).credential)).toBe(200);
    });

    it("a rejected name enrolls again after a reset; Pending ones cannot be reset", async () => {
      const c = await enroll.enrollController(make);
      const token = await enroll.joinToken(c, "branches");
      const key = generatePrivateKey();
      const join = () =>
        enroll.postJoin(c, enroll.joinBody(c, token, "branch-r2", key, { subnets: ["10.64.72.0/24"] }));
      expect((await join()).json()).toMatchObject({ state: "Pending" });
      const url = "/api/v1/enrollments/branch-r2/reset";
      expect((await c.call(c.admin, "POST", url)).statusCode).toBe(409);
      await c.call(c.admin, "POST", "/api/v1/enrollments/branch-r2/reject", { body: { reason: "typo" } });
      expect(enroll.reasonOf(await join())).toBe("enrollment-rejected");
      expect((await c.call(c.admin, "POST", url)).json()).toEqual({ node: "branch-r2", state: "Rejected" });
      const after = await join();
      expect(after.statusCode, after.body).toBe(200);
      expect(after.json()).toMatchObject({ state: "Pending" });
    });
  });
}
