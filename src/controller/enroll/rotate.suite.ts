/**
 * Shared tests of key rotation (`POST /agent/v1/rotate-key`) and of enrolling a pre-declared Node.
 * Rotation: the node credential plus a proof of
 * possession of the new key replace the Node's key; hubs keep the old key valid beside the new one
 * until the node proves it applied it or the grace period ends; every refusal changes nothing. Run on every dialect by api.suite.ts.
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { proveKey } from "../../keys/proof.js";
import { generatePrivateKey, publicKeyFromPrivate } from "../../keys/wgkeys.js";
import { requestTimestamp, rotateProofMessage, statusProofMessage } from "../../model/enroll-wire.js";
import type { JoinToken } from "../../model/join-token.js";
import { issueNodeCredential } from "../auth/node-credentials.js";
import { IntentStore } from "../state/intent-store.js";
import { sampleReport } from "../testing/agents.js";
import type { Controller, MakeController } from "../testing/api-harness.js";
import * as enroll from "../testing/enroll-fixture.js";
import { enrollmentConfig } from "./config.js";
import { enrollmentHousekeeping } from "./housekeeping.js";

function rotateBody(
  c: Controller,
  token: JoinToken,
  node: string,
  newKey: string,
  proofKey = newKey,
  at = c.clock.now(),
) {
  const unsigned = {
    publicKey: publicKeyFromPrivate(newKey),
    nonce: randomBytes(16).toString("hex"),
    timestamp: requestTimestamp(at),
  };
  const proof = proveKey(
    proofKey,
    token.controllerKey,
    "rotate",
    rotateProofMessage(node, unsigned as never),
  );
  return { ...unsigned, proof };
}

const rotate = (
  c: Controller,
  credential: string | undefined,
  body: unknown,
  surface: "api" | "enroll" = "api",
) =>
  (surface === "api" ? c.app : c.enrollApp!).inject({
    method: "POST",
    url: "/agent/v1/rotate-key",
    headers: credential ? { authorization: `Bearer ${credential}` } : {},
    payload: body as object,
  });

/** hub-fra's peers for `node` (key and AllowedIPs) in the compiled intent. */
async function hubPeersOf(c: Controller, node: string) {
  const snap = await new IntentStore(c.db).current();
  return snap.compiled
    .get("hub-fra")!
    .interfaces.flatMap((i) => i.peers)
    .filter((p) => p.name === node)
    .map((p) => ({ publicKey: p.publicKey, allowedIPs: [...p.allowedIPs] }));
}

/** A status report from a node (its credential), with `extra` fields. */
async function report(c: Controller, credential: string, extra: object): Promise<void> {
  const r = await c.app.inject({
    method: "POST",
    url: "/agent/v1/status",
    headers: { authorization: `Bearer ${credential}` },
    payload: { ...sampleReport(null), ...extra },
  });
  expect(r.statusCode, r.body).toBe(204);
}

async function hubPeerKeys(c: Controller): Promise<string[]> {
  const snap = await new IntentStore(c.db).current();
  return snap.compiled.get("hub-fra")!.interfaces.flatMap((i) => i.peers.map((p) => p.publicKey));
}

/** Public keys of hub-fra's peers in the desired state this controller serves the hub. */
async function servedHubPeerKeys(c: Controller): Promise<string[]> {
  const credential = await c.db.transaction((tx) => issueNodeCredential(tx, "hub-fra", c.clock.now()));
  const r = await c.app.inject({
    method: "GET",
    url: "/agent/v1/config?wait=0",
    headers: { authorization: `Bearer ${credential}` },
  });
  expect(r.statusCode, r.body).toBe(200);
  const state = r.json() as { interfaces: Array<{ peers: Array<{ publicKey: string }> }> };
  return state.interfaces.flatMap((i) => i.peers.map((p) => p.publicKey));
}

export function enrollRotateApiSuite(make: MakeController): void {
  describe("key rotation", () => {
    it("retires the old key: it can pick up no credential again, by status poll or by join retry", async () => {
      const c = await enroll.enrollController(make);
      const token = await enroll.joinToken(c, "lab");
      const { response, privateKey: oldKey } = await enroll.enrollNode(c, token, "lab-old");
      const { credential } = response.json() as { credential: string };
      const r = await rotate(c, credential, rotateBody(c, token, "lab-old", generatePrivateKey()));
      expect(r.statusCode, r.body).toBe(200);
      // Someone who still holds the old private key (and even the join token) gets nothing.
      const unsigned = {
        node: "lab-old",
        publicKey: publicKeyFromPrivate(oldKey),
        nonce: randomBytes(16).toString("hex"),
        timestamp: requestTimestamp(c.clock.now()),
      };
      const proof = proveKey(oldKey, token.controllerKey, "status", statusProofMessage(unsigned as never));
      const poll = await c.enrollApp!.inject({
        method: "POST",
        url: "/enroll/v1/status",
        payload: { ...unsigned, proof },
      });
      expect(poll.statusCode, poll.body).toBe(403);
      expect(poll.body).not.toContain("hwn_");
      const retry = await enroll.postJoin(c, enroll.joinBody(c, token, "lab-old", oldKey));
      expect(enroll.reasonOf(retry)).toBe("name-taken");
      expect(retry.body).not.toContain("hwn_");
      // The credential issued before the rotation still works: the real agent is not cut off.
      const config = await c.app.inject({
        method: "GET",
        url: "/agent/v1/config?wait=0",
        headers: { authorization: `Bearer ${credential}` },
      });
      expect(config.statusCode).toBe(200);
    });

    it("keeps the old key valid beside the new one (no AllowedIPs shared) until the node reports the new key", async () => {
      const c = await enroll.enrollController(make);
      const token = await enroll.joinToken(c, "lab");
      const { response, privateKey } = await enroll.enrollNode(c, token, "lab-rot");
      const { credential } = response.json() as { credential: string };
      const oldKey = publicKeyFromPrivate(privateKey);
      const before = await c.revision();
      const newKey = generatePrivateKey();
      const r = await rotate(c, credential, rotateBody(c, token, "lab-rot", newKey));
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json()).toEqual({
        node: "lab-rot",
        publicKey: publicKeyFromPrivate(newKey),
        revision: before + 1,
      });
      // A node that crashed before switching still has its tunnel: the old key keeps its prefixes,
      // the new one can handshake but claims none.
      const graced = await hubPeersOf(c, "lab-rot");
      expect(graced).toEqual([
        { publicKey: oldKey, allowedIPs: expect.arrayContaining([expect.any(String)]) },
        { publicKey: publicKeyFromPrivate(newKey), allowedIPs: [] },
      ]);
      expect(await servedHubPeerKeys(c)).toEqual(
        expect.arrayContaining([oldKey, publicKeyFromPrivate(newKey)]),
      );
      // The agent retrying the same key after a crash changes nothing.
      const retry = await rotate(c, credential, rotateBody(c, token, "lab-rot", newKey));
      expect(retry.json()).toMatchObject({ revision: before + 1 });
      // A report from the agent still on the old key proves nothing.
      await report(c, credential, { publicKey: oldKey });
      expect(await hubPeersOf(c, "lab-rot")).toHaveLength(2);
      // It reports the new key applied: the old peer goes, the new one takes the prefixes.
      await report(c, credential, { publicKey: publicKeyFromPrivate(newKey) });
      const done = await hubPeersOf(c, "lab-rot");
      expect(done).toEqual([{ publicKey: publicKeyFromPrivate(newKey), allowedIPs: graced[0]!.allowedIPs }]);
      expect(await c.revision()).toBe(before + 2);
      const audit = (
        await c.call(c.admin, "GET", "/api/v1/audit?action=key-rotation-completed&name=lab-rot")
      ).json() as { items: Array<{ after: { reason: string } }> };
      expect(audit.items.map((e) => e.after.reason)).toEqual(["applied"]);
      // Rotating again works; the old key is free again; the credential is unchanged.
      const third = generatePrivateKey();
      expect((await rotate(c, credential, rotateBody(c, token, "lab-rot", third), "enroll")).statusCode).toBe(
        200,
      );
      expect((await hubPeersOf(c, "lab-rot")).map((p) => p.publicKey)).toEqual([
        publicKeyFromPrivate(newKey),
        publicKeyFromPrivate(third),
      ]);
      expect((await enroll.enrollNode(c, token, "lab-other", {}, privateKey)).response.statusCode).toBe(200);
    });

    it("ends the grace on a hub's report of a handshake from the new key, or when the grace period is over", async () => {
      const c = await enroll.enrollController(make);
      const token = await enroll.joinToken(c, "lab");
      const a = await enroll.enrollNode(c, token, "lab-a");
      const b = await enroll.enrollNode(c, token, "lab-b");
      const credA = (a.response.json() as { credential: string }).credential;
      const credB = (b.response.json() as { credential: string }).credential;
      const keyA = generatePrivateKey();
      const keyB = generatePrivateKey();
      expect((await rotate(c, credA, rotateBody(c, token, "lab-a", keyA))).statusCode).toBe(200);
      expect((await rotate(c, credB, rotateBody(c, token, "lab-b", keyB))).statusCode).toBe(200);
      // Another node may not take a key that is still valid for lab-b.
      expect(enroll.reasonOf(await rotate(c, credA, rotateBody(c, token, "lab-a", b.privateKey)))).toBe(
        "key-in-use",
      );
      // The hub saw lab-a's new key handshake (lab-a's agent died before it could report).
      const hub = await c.db.transaction((tx) => issueNodeCredential(tx, "hub-fra", c.clock.now()));
      const seen = sampleReport(null, [
        { publicKey: publicKeyFromPrivate(keyA), handshake: Math.floor(c.clock.now().getTime() / 1000) },
        { publicKey: publicKeyFromPrivate(keyB) },
      ]);
      const r = await c.app.inject({
        method: "POST",
        url: "/agent/v1/status",
        headers: { authorization: `Bearer ${hub}` },
        payload: seen,
      });
      expect(r.statusCode, r.body).toBe(204);
      expect(await hubPeersOf(c, "lab-a")).toHaveLength(1);
      expect(await hubPeersOf(c, "lab-b")).toHaveLength(2);
      // lab-b never proves it: the old key goes when the grace period is over, not before.
      const store = new IntentStore(c.db, c.clock.now);
      const config = enrollmentConfig({ urls: [], caSha256: "", caPem: "" });
      const housekeeping = () =>
        enrollmentHousekeeping({ db: c.db, intent: store, config, now: c.clock.now });
      c.clock.advance(config.rotationGraceMs - 60_000);
      expect((await housekeeping()).rotations).toEqual([]);
      c.clock.advance(120_000);
      expect((await housekeeping()).rotations).toEqual(["lab-b"]);
      expect(await hubPeersOf(c, "lab-b")).toEqual([
        { publicKey: publicKeyFromPrivate(keyB), allowedIPs: expect.any(Array) },
      ]);
      // A day later the session has expired; the admin's API token has not.
      const audit = (
        await c.call(c.tokens.admin.credential, "GET", "/api/v1/audit?action=key-rotation-completed")
      ).json() as {
        items: Array<{ name: string; actor: string; after: { reason: string } }>;
      };
      expect(audit.items.map((e) => [e.name, e.actor, e.after.reason])).toEqual([
        ["lab-b", "system", "grace-ended"],
        ["lab-a", "agent:hub-fra", "handshake"],
      ]);
    });

    it("refuses a missing credential, a proof made with another key, another node's key, a replay and a stale timestamp", async () => {
      const c = await enroll.enrollController(make);
      const token = await enroll.joinToken(c, "lab");
      const { response } = await enroll.enrollNode(c, token, "lab-rot");
      const { credential } = response.json() as { credential: string };
      const other = await enroll.enrollNode(c, token, "lab-held");
      const before = await enroll.stateOf(c);
      const fresh = generatePrivateKey();
      expect((await rotate(c, undefined, rotateBody(c, token, "lab-rot", fresh))).statusCode).toBe(401);
      expect(
        enroll.reasonOf(
          await rotate(c, credential, rotateBody(c, token, "lab-rot", fresh, generatePrivateKey())),
        ),
      ).toBe("bad-proof");
      expect(
        enroll.reasonOf(await rotate(c, credential, rotateBody(c, token, "lab-rot", other.privateKey))),
      ).toBe("key-in-use");
      // A proof for another node's name does not transfer.
      expect(enroll.reasonOf(await rotate(c, credential, rotateBody(c, token, "lab-held", fresh)))).toBe(
        "bad-proof",
      );
      const stale = new Date(c.clock.now().getTime() - 5 * 60_000 - 1000);
      expect(
        enroll.reasonOf(await rotate(c, credential, rotateBody(c, token, "lab-rot", fresh, fresh, stale))),
      ).toBe("clock-skew");
      expect(await enroll.stateOf(c)).toEqual(before);
      const body = rotateBody(c, token, "lab-rot", fresh);
      expect((await rotate(c, credential, body)).statusCode).toBe(200);
      expect(enroll.reasonOf(await rotate(c, credential, body))).toBe("replayed-nonce");
    });

    it("completes a pre-declared Node with the enrolled key, keeping what the declaration says", async () => {
      const c = await enroll.enrollController(make);
      const token = await enroll.joinToken(c, "branches");
      const key = generatePrivateKey();
      // A node declared without a key (address, subnet, endpoint and hubs given).
      const declared = `apiVersion: hubwire/v1
kind: Node
metadata: { name: branch-pre, labels: { tier: branch } }
spec: { network: corp, role: spoke, endpoint: "198.51.100.50:51820", tunnelAddress: 10.100.1.50, subnets: [10.64.50.0/24], hubs: [hub-fra] }
`;
      expect((await c.call(c.admin, "POST", "/api/v1/apply", { body: declared })).statusCode).toBe(200);
      const r = await enroll.postJoin(c, enroll.joinBody(c, token, "branch-pre", key));
      expect(r.json(), r.body).toMatchObject({ state: "Pending", node: "branch-pre" });
      expect((await c.call(c.admin, "POST", "/api/v1/enrollments/branch-pre/approve")).statusCode).toBe(200);
      const node = (await c.call(c.admin, "GET", "/api/v1/nodes/branch-pre")).json() as { spec: object };
      expect(node.spec).toMatchObject({
        publicKey: publicKeyFromPrivate(key),
        tunnelAddress: "10.100.1.50",
        subnets: ["10.64.50.0/24"],
        endpoint: "198.51.100.50:51820",
        hubs: ["hub-fra"],
      });
      expect(await hubPeerKeys(c)).toContain(publicKeyFromPrivate(key));
      // A declared node with a key of its own cannot be taken over by enrolling its name.
      expect(
        enroll.reasonOf(
          await enroll.postJoin(c, enroll.joinBody(c, token, "branch-sha", generatePrivateKey())),
        ),
      ).toBe("name-taken");
      expect(
        enroll.reasonOf(
          await enroll.postJoin(c, enroll.joinBody(c, token, "branch-pre", generatePrivateKey())),
        ),
      ).toBe("name-taken");

      // GitOps re-applies the keyless declaration: the approved enrollment still supplies the key.
      expect((await c.call(c.admin, "POST", "/api/v1/apply", { body: declared })).statusCode).toBe(200);
      expect(await servedHubPeerKeys(c)).toContain(publicKeyFromPrivate(key));
      // Revoking it changes no Node (none has the key), only the enrollment: the hub must still
      // lose the peer, in the state this controller serves, at once.
      expect((await c.call(c.admin, "POST", "/api/v1/nodes/branch-pre/revoke")).statusCode).toBe(200);
      expect(await servedHubPeerKeys(c)).not.toContain(publicKeyFromPrivate(key));
    });
  });
}
