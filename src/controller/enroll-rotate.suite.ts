/**
 * Shared tests of key rotation (`POST /agent/v1/rotate-key`) and of enrolling a pre-declared Node.
 * Rotation: the node credential plus a proof of
 * possession of the new key replace the Node's key in one revision (hubs swap the peer at once);
 * every refusal changes nothing. Run on every dialect by api.suite.ts.
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { proveKey } from "../keys/proof.js";
import { generatePrivateKey, publicKeyFromPrivate } from "../keys/wgkeys.js";
import { requestTimestamp, rotateProofMessage, statusProofMessage } from "../model/enroll-wire.js";
import type { JoinToken } from "../model/join-token.js";
import { issueNodeCredential } from "./auth/node-credentials.js";
import { IntentStore } from "./state/intent-store.js";
import type { Controller, MakeController } from "./testing/api-harness.js";
import {
  enrollController,
  enrollNode,
  joinBody,
  joinToken,
  postJoin,
  reasonOf,
  stateOf,
} from "./testing/enroll-fixture.js";

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
      const c = await enrollController(make);
      const token = await joinToken(c, "lab");
      const { response, privateKey: oldKey } = await enrollNode(c, token, "lab-old");
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
      const retry = await postJoin(c, joinBody(c, token, "lab-old", oldKey));
      expect(reasonOf(retry)).toBe("name-taken");
      expect(retry.body).not.toContain("hwn_");
      // The credential issued before the rotation still works: the real agent is not cut off.
      const config = await c.app.inject({
        method: "GET",
        url: "/agent/v1/config?wait=0",
        headers: { authorization: `Bearer ${credential}` },
      });
      expect(config.statusCode).toBe(200);
    });

    it("swaps the node's key on every hub in one revision, on both listeners", async () => {
      const c = await enrollController(make);
      const token = await joinToken(c, "lab");
      const { response, privateKey } = await enrollNode(c, token, "lab-rot");
      const { credential } = response.json() as { credential: string };
      const before = await c.revision();
      const newKey = generatePrivateKey();
      const r = await rotate(c, credential, rotateBody(c, token, "lab-rot", newKey));
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json()).toEqual({
        node: "lab-rot",
        publicKey: publicKeyFromPrivate(newKey),
        revision: before + 1,
      });
      const peers = await hubPeerKeys(c);
      expect(peers).toContain(publicKeyFromPrivate(newKey));
      expect(peers).not.toContain(publicKeyFromPrivate(privateKey));
      const third = generatePrivateKey();
      expect((await rotate(c, credential, rotateBody(c, token, "lab-rot", third), "enroll")).statusCode).toBe(
        200,
      );
      // The old key is free again; the credential is unchanged.
      expect((await enrollNode(c, token, "lab-other", {}, privateKey)).response.statusCode).toBe(200);
    });

    it("refuses a missing credential, a proof made with another key, another node's key, a replay and a stale timestamp", async () => {
      const c = await enrollController(make);
      const token = await joinToken(c, "lab");
      const { response } = await enrollNode(c, token, "lab-rot");
      const { credential } = response.json() as { credential: string };
      const other = await enrollNode(c, token, "lab-held");
      const before = await stateOf(c);
      const fresh = generatePrivateKey();
      expect((await rotate(c, undefined, rotateBody(c, token, "lab-rot", fresh))).statusCode).toBe(401);
      expect(
        reasonOf(await rotate(c, credential, rotateBody(c, token, "lab-rot", fresh, generatePrivateKey()))),
      ).toBe("bad-proof");
      expect(reasonOf(await rotate(c, credential, rotateBody(c, token, "lab-rot", other.privateKey)))).toBe(
        "key-in-use",
      );
      // A proof for another node's name does not transfer.
      expect(reasonOf(await rotate(c, credential, rotateBody(c, token, "lab-held", fresh)))).toBe(
        "bad-proof",
      );
      const stale = new Date(c.clock.now().getTime() - 5 * 60_000 - 1000);
      expect(
        reasonOf(await rotate(c, credential, rotateBody(c, token, "lab-rot", fresh, fresh, stale))),
      ).toBe("clock-skew");
      expect(await stateOf(c)).toEqual(before);
      const body = rotateBody(c, token, "lab-rot", fresh);
      expect((await rotate(c, credential, body)).statusCode).toBe(200);
      expect(reasonOf(await rotate(c, credential, body))).toBe("replayed-nonce");
    });

    it("completes a pre-declared Node with the enrolled key, keeping what the declaration says", async () => {
      const c = await enrollController(make);
      const token = await joinToken(c, "branches");
      const key = generatePrivateKey();
      // A node declared without a key (address, subnet, endpoint and hubs given).
      const declared = `apiVersion: hubwire/v1
kind: Node
metadata: { name: branch-pre, labels: { tier: branch } }
spec: { network: corp, role: spoke, endpoint: "198.51.100.50:51820", tunnelAddress: 10.100.1.50, subnets: [10.64.50.0/24], hubs: [hub-fra] }
`;
      expect((await c.call(c.admin, "POST", "/api/v1/apply", { body: declared })).statusCode).toBe(200);
      const r = await postJoin(c, joinBody(c, token, "branch-pre", key));
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
      expect(reasonOf(await postJoin(c, joinBody(c, token, "branch-sha", generatePrivateKey())))).toBe(
        "name-taken",
      );
      expect(reasonOf(await postJoin(c, joinBody(c, token, "branch-pre", generatePrivateKey())))).toBe(
        "name-taken",
      );

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
