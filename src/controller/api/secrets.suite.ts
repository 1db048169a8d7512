/**
 * Shared tests of `POST /api/v1/secrets/{secret}/rotate` (admin, audited): after an
 * enrollment-key rotation new join tokens carry the new key, old tokens still join, and enrolled
 * and pending nodes still prove key rotations and status polls against the key they joined with;
 * after a preshared-key secret rotation every pair's key changes, both ends of each pair agree and
 * get a new revision (a held long poll answers), and nodes without preshared keys are left alone.
 * Run on every dialect.
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { proveKey } from "../../keys/proof.js";
import { generatePrivateKey, publicKeyFromPrivate } from "../../keys/wgkeys.js";
import { requestTimestamp, rotateProofMessage, statusProofMessage } from "../../model/enroll-wire.js";
import type { DesiredState } from "../../model/index.js";
import { IntentStore } from "../state/intent-store.js";
import { nodeCredential } from "../testing/agents.js";
import { type Controller, corpController, corpYaml, type MakeController } from "../testing/api-harness.js";
import * as enroll from "../testing/enroll-fixture.js";
import { expectOk } from "../testing/expect-api.js";

const rotateSecret = (c: Controller, secret: string, cred = c.admin) =>
  c.call(cred, "POST", `/api/v1/secrets/${secret}/rotate`);

/** A signed body of `purpose` for `node`, proven against `controllerKey`. */
function proven(
  c: Controller,
  purpose: "status" | "rotate",
  node: string,
  key: string,
  controllerKey: string,
) {
  const unsigned = {
    ...(purpose === "status" ? { node } : {}),
    publicKey: publicKeyFromPrivate(key),
    nonce: randomBytes(16).toString("hex"),
    timestamp: requestTimestamp(c.clock.now()),
  };
  const message =
    purpose === "status"
      ? statusProofMessage(unsigned as never)
      : rotateProofMessage(node, unsigned as never);
  return { ...unsigned, proof: proveKey(key, controllerKey, purpose, message) };
}

export function secretsApiSuite(make: MakeController): void {
  describe("secret rotation", () => {
    it("enrollment key: new tokens carry the new key, old tokens and enrolled nodes keep working", async () => {
      const c = await enroll.enrollController(make);
      const old = await enroll.joinToken(c, "lab");
      const first = await enroll.enrollNode(c, old, "lab-first");
      const credential = (first.response.json() as { credential: string }).credential;
      const branches = await enroll.joinToken(c, "branches");
      const pendingKey = generatePrivateKey();
      const pending = await enroll.postJoin(
        c,
        enroll.joinBody(c, branches, "branch-wait", pendingKey, { subnets: ["10.64.75.0/24"] }),
      );
      expect(pending.json()).toMatchObject({ state: "Pending" });

      expect((await rotateSecret(c, "enrollment-key", c.tokens.operator.credential)).statusCode).toBe(403);
      expect((await rotateSecret(c, "the-ca")).statusCode).toBe(400);
      const r = await rotateSecret(c, "enrollment-key");
      expectOk(r);
      const { publicKey } = r.json() as { publicKey: string };
      expect(publicKey).not.toBe(old.controllerKey);
      expect(await enroll.audited(c, "rotate-secret", "enrollment-key")).toMatchObject({
        actor: "user:admin",
        after: { publicKey },
      });

      c.clock.advance(5 * 60_000);
      const fresh = await enroll.joinToken(c, "lab");
      expect(fresh.controllerKey).toBe(publicKey);
      // A token minted before the rotation still joins (its proof is against the old key) …
      expect((await enroll.enrollNode(c, old, "lab-old-token")).response.json()).toMatchObject({
        state: "Approved",
      });
      expect((await enroll.enrollNode(c, fresh, "lab-new-token")).response.json()).toMatchObject({
        state: "Approved",
      });
      // … but a new token's join is proven against the new key only.
      const key = generatePrivateKey();
      const forged = enroll.joinBody(c, { ...fresh, controllerKey: old.controllerKey }, "lab-forged", key);
      expect(enroll.reasonOf(await enroll.postJoin(c, forged))).toBe("bad-proof");

      // The enrolled node rotates its WireGuard key proving against the key it joined with.
      const next = generatePrivateKey();
      const rotated = await c.app.inject({
        method: "POST",
        url: "/agent/v1/rotate-key",
        headers: { authorization: `Bearer ${credential}` },
        payload: proven(c, "rotate", "lab-first", next, old.controllerKey),
      });
      expect(rotated.statusCode, rotated.body).toBe(200);
      // The pending node collects its credential after approval, proving against the old key.
      expectOk(await c.call(c.admin, "POST", "/api/v1/enrollments/branch-wait/approve"));
      const polled = await c.enrollApp!.inject({
        method: "POST",
        url: "/enroll/v1/status",
        payload: proven(c, "status", "branch-wait", pendingKey, branches.controllerKey),
      });
      expect(polled.statusCode, polled.body).toBe(200);
      expect(polled.json()).toMatchObject({ state: "Approved", credential: expect.stringMatching(/^hwn_/) });
      // A second rotation keeps both earlier keys for the nodes that hold them.
      expectOk(await rotateSecret(c, "enrollment-key"));
      const again = await c.enrollApp!.inject({
        method: "POST",
        url: "/enroll/v1/status",
        payload: proven(c, "status", "branch-wait", pendingKey, branches.controllerKey),
      });
      expect(again.statusCode, again.body).toBe(200);
    });

    it("preshared-key secret: every pair's key changes, both ends agree and get a new revision", async () => {
      const c = await corpController(make);
      const rig = await nodeCredential(c.db, "edge-rig");
      const fra = await nodeCredential(c.db, "hub-fra");
      const revisionOf = async (cred: typeof rig) =>
        ((await c.call(cred, "GET", "/agent/v1/config")).json() as DesiredState).revision;
      const keysOf = async (cred: typeof rig) =>
        ((await c.call(cred, "GET", "/agent/v1/preshared-keys")).json() as { keys: Record<string, string> })
          .keys;

      // Without preshared keys a rotation changes no node's state.
      const plain = await revisionOf(fra);
      expectOk(await rotateSecret(c, "psk-secret"));
      expect(await revisionOf(fra)).toBe(plain);

      const network = corpYaml()
        .split("---")
        .find((d) => /kind: Network/.test(d))!
        .replace("presharedKeys: false", "presharedKeys: true");
      expectOk(await c.call(c.admin, "POST", "/api/v1/apply", { body: network }));
      const before = { rig: await keysOf(rig), fra: await keysOf(fra) };
      const revisions = { rig: await revisionOf(rig), fra: await revisionOf(fra) };
      const ref = "corp.edge-rig.hub-fra";
      expect(before.rig[ref]).toBe(before.fra[ref]);

      // A long poll held on the current revision answers when the secret rotates.
      const held = c.call(rig, "GET", `/agent/v1/config?have=${revisions.rig}&wait=30`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect((await rotateSecret(c, "psk-secret", c.tokens.viewer.credential)).statusCode).toBe(403);
      const r = await rotateSecret(c, "psk-secret");
      expectOk(r);
      expect(r.json()).toMatchObject({ secret: "psk-secret", generation: 2 });
      const answer = await held;
      expect(answer.statusCode).toBe(200);
      expect((answer.json() as DesiredState).revision).not.toBe(revisions.rig);
      expect(await revisionOf(fra)).not.toBe(revisions.fra);

      const after = { rig: await keysOf(rig), fra: await keysOf(fra) };
      expect(Object.keys(after.rig).sort()).toEqual(Object.keys(before.rig).sort());
      for (const [name, key] of Object.entries(after.rig)) expect(key).not.toBe(before.rig[name]);
      expect(after.rig[ref]).toBe(after.fra[ref]);
      expect(await enroll.audited(c, "rotate-secret", "psk-secret")).toMatchObject({
        actor: "user:admin",
        after: { generation: 2 },
      });
      // A controller that loads the intent afresh (a restart, another replica) agrees.
      const reopened = await c.reopen!();
      const snap = await new IntentStore(reopened).current();
      expect(snap.compiled.get("edge-rig")!.revision).toBe(await revisionOf(rig));
    });
  });
}
