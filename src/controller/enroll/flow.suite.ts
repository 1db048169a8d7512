/**
 * Shared enrollment tests of what succeeds: the one-transaction races, idempotent retries, the
 * state machine (approve, reject, revoke, expire; nothing else), the status pick-up of a manually
 * approved node's credential, rate limiting, and join-token management. Run on every dialect.
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { proveKey } from "../../keys/proof.js";
import { generatePrivateKey, publicKeyFromPrivate } from "../../keys/wgkeys.js";
import { requestTimestamp, statusProofMessage } from "../../model/enroll-wire.js";
import type { JoinToken } from "../../model/join-token.js";
import { IntentStore } from "../state/intent-store.js";
import { type Controller, type MakeController, NO_CREDENTIALS } from "../testing/api-harness.js";
import * as enroll from "../testing/enroll-fixture.js";
import { enrollmentConfig } from "./config.js";
import { expireEnrollments, revokeNode } from "./decide.js";

async function poll(c: Controller, token: JoinToken, node: string, privateKey: string) {
  const unsigned = {
    node,
    publicKey: publicKeyFromPrivate(privateKey),
    nonce: randomBytes(16).toString("hex"),
    timestamp: requestTimestamp(c.clock.now()),
  };
  const proof = proveKey(privateKey, token.controllerKey, "status", statusProofMessage(unsigned as never));
  return c.enrollApp!.inject({ method: "POST", url: "/enroll/v1/status", payload: { ...unsigned, proof } });
}

/** Whether `credential` authenticates on the agent API (a bad body then answers 400, not 401). */
async function credentialWorks(c: Controller, credential: string): Promise<boolean> {
  const r = await c.app.inject({
    method: "POST",
    url: "/agent/v1/rotate-key",
    headers: { authorization: `Bearer ${credential}` },
    payload: {},
  });
  expect([400, 401]).toContain(r.statusCode);
  return r.statusCode === 400;
}

/** Public keys of hub-fra's peers in the compiled intent. */
async function hubPeerKeys(c: Controller): Promise<string[]> {
  const snap = await new IntentStore(c.db).current();
  return snap.compiled.get("hub-fra")!.interfaces.flatMap((i) => i.peers.map((p) => p.publicKey));
}

async function uses(c: Controller, id: string): Promise<number> {
  const r = await c.call(c.admin, "GET", "/api/v1/join-tokens");
  return (r.json() as { items: Array<{ id: string; uses: number }> }).items.find((t) => t.id === id)!.uses;
}

export function enrollFlowApiSuite(make: MakeController): void {
  describe("enrollment flow", () => {
    it("20 parallel requests with a one-use token give exactly one node", async () => {
      const c = await enroll.enrollController(make);
      const token = await enroll.joinToken(c, "lab", { uses: 1 });
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          enroll.postJoin(c, enroll.joinBody(c, token, `lab-race-${i}`, generatePrivateKey())),
        ),
      );
      expect(answers.filter((r) => r.statusCode === 200)).toHaveLength(1);
      expect(answers.filter((r) => r.statusCode !== 200).map(enroll.reasonOf)).toEqual(
        Array(19).fill("token-used-up"),
      );
      const nodes = (await c.call(c.admin, "GET", "/api/v1/nodes?label=tier%3Dlab")).json() as {
        items: unknown[];
      };
      expect(nodes.items).toHaveLength(1);
      expect(await uses(c, token.id)).toBe(1);
    });

    it("30 parallel requests with a reusable token give 30 distinct addresses and an exact use count", async () => {
      const c = await enroll.enrollController(make);
      const token = await enroll.joinToken(c, "lab");
      const answers = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          enroll.postJoin(c, enroll.joinBody(c, token, `lab-par-${i}`, generatePrivateKey())),
        ),
      );
      expect(answers.map((r) => r.statusCode)).toEqual(Array(30).fill(200));
      const nodes = (await c.call(c.admin, "GET", "/api/v1/nodes?label=tier%3Dlab")).json() as {
        items: Array<{ spec: { tunnelAddress: string } }>;
      };
      expect(nodes.items).toHaveLength(30);
      expect(new Set(nodes.items.map((n) => n.spec.tunnelAddress)).size).toBe(30);
      expect(await uses(c, token.id)).toBe(30);
    });

    it("answers a retry of the same node and key with the same state, no duplicate and no token use", async () => {
      const c = await enroll.enrollController(make);
      const token = await enroll.joinToken(c, "lab", { uses: 1 });
      const key = generatePrivateKey();
      const first = await enroll.enrollNode(c, token, "lab-retry", {}, key);
      const firstAnswer = first.response.json() as { state: string; credential: string };
      expect(firstAnswer.state).toBe("Approved");
      const again = await enroll.postJoin(c, enroll.joinBody(c, token, "lab-retry", key));
      const answer = again.json() as { state: string; credential: string; node: string };
      expect(answer).toMatchObject({ state: "Approved", node: "lab-retry" });
      expect(answer.credential).toMatch(/^hwn_lab-retry_/);
      expect(await credentialWorks(c, answer.credential)).toBe(true);
      expect(await uses(c, token.id)).toBe(1);
      expect(
        enroll.reasonOf(
          await enroll.postJoin(c, enroll.joinBody(c, token, "lab-retry-2", generatePrivateKey())),
        ),
      ).toBe("token-used-up");
      const reusable = await enroll.joinToken(c, "lab");
      expect(
        enroll.reasonOf(
          await enroll.postJoin(c, enroll.joinBody(c, reusable, "lab-retry", generatePrivateKey())),
        ),
      ).toBe("name-taken");
    });

    it("manual approval: Pending until approved, credential collected by a proven status poll", async () => {
      const c = await enroll.enrollController(make);
      const token = await enroll.joinToken(c, "branches", { uses: 1 });
      const key = generatePrivateKey();
      const r = await enroll.postJoin(
        c,
        enroll.joinBody(c, token, "branch-m", key, { subnets: ["10.64.70.0/24"] }),
      );
      expect(r.json()).toMatchObject({ state: "Pending", node: "branch-m" });
      expect((await poll(c, token, "branch-m", key)).json()).toMatchObject({ state: "Pending" });
      expect(await hubPeerKeys(c)).not.toContain(publicKeyFromPrivate(key));
      // Polling with another key proves nothing.
      expect(enroll.reasonOf(await poll(c, token, "branch-m", generatePrivateKey()))).toBe(
        "unknown-enrollment",
      );
      // Revoking the token disturbs nothing: the poll needs only the key.
      await c.call(c.admin, "POST", `/api/v1/join-tokens/${token.id}/revoke`);
      const approved = await c.call(
        c.tokens.operator.credential,
        "POST",
        "/api/v1/enrollments/branch-m/approve",
      );
      expect(approved.statusCode, approved.body).toBe(200);
      expect(approved.json()).toMatchObject({
        status: { state: "Approved", decidedBy: "token:ci-operator" },
      });
      expect(await enroll.audited(c, "approve", "branch-m")).toMatchObject({
        actor: "token:ci-operator",
        after: { state: "Approved", reason: "approved" },
      });
      const picked = (await poll(c, token, "branch-m", key)).json() as { state: string; credential: string };
      expect(picked.state).toBe("Approved");
      expect(await credentialWorks(c, picked.credential)).toBe(true);
      expect(await hubPeerKeys(c)).toContain(publicKeyFromPrivate(key));
      const node = (await c.call(c.admin, "GET", "/api/v1/nodes/branch-m")).json() as {
        spec: object;
        metadata: object;
      };
      expect(node).toMatchObject({
        metadata: { labels: { tier: "branch" } },
        spec: { hubs: ["hub-fra", "hub-sgp"] },
      });
      // No other transition out of Approved but revocation (and expiry).
      expect((await c.call(c.admin, "POST", "/api/v1/enrollments/branch-m/approve")).statusCode).toBe(409);
      expect(
        (await c.call(c.admin, "POST", "/api/v1/enrollments/branch-m/reject", { body: { reason: "no" } }))
          .statusCode,
      ).toBe(409);
      expect(
        (await c.call(c.tokens.viewer.credential, "POST", "/api/v1/nodes/branch-m/revoke")).statusCode,
      ).toBe(403);
    });

    it("revocation: credential dead at once, peers off the hubs at the next revision, never back by retrying", async () => {
      const c = await enroll.enrollController(make);
      const token = await enroll.joinToken(c, "lab");
      const key = generatePrivateKey();
      const { response } = await enroll.enrollNode(c, token, "lab-rev", {}, key);
      const { credential } = response.json() as { credential: string };
      expect(await hubPeerKeys(c)).toContain(publicKeyFromPrivate(key));
      const before = await c.revision();
      const r = await c.call(c.admin, "POST", "/api/v1/nodes/lab-rev/revoke", {
        body: { reason: "laptop stolen" },
      });
      expect(r.json()).toEqual({ node: "lab-rev", state: "Revoked" });
      expect(await c.revision()).toBe(before + 1);
      expect(await enroll.audited(c, "revoke", "lab-rev")).toMatchObject({
        actor: "user:admin",
        after: { state: "Revoked", reason: "laptop stolen" },
      });
      expect(await credentialWorks(c, credential)).toBe(false);
      expect(await hubPeerKeys(c)).not.toContain(publicKeyFromPrivate(key));
      const retry = await enroll.postJoin(c, enroll.joinBody(c, token, "lab-rev", key));
      expect(enroll.reasonOf(retry)).toBe("node-revoked");
      expect((retry.json() as { error: { state: string } }).error.state).toBe("Revoked");
      expect(
        enroll.reasonOf(await enroll.postJoin(c, enroll.joinBody(c, token, "lab-rev", generatePrivateKey()))),
      ).toBe("node-revoked");
      expect((await poll(c, token, "lab-rev", key)).json()).toMatchObject({ state: "Revoked" });
      expect((await c.call(c.admin, "POST", "/api/v1/nodes/lab-rev/revoke")).statusCode).toBe(409);
      expect((await c.call(c.admin, "POST", "/api/v1/nodes/hub-fra/revoke")).statusCode).toBe(404);
    });

    it("revocation by a controller that loaded the intent from the database drops the peer from its own compiled state", async () => {
      const c = await enroll.enrollController(make);
      const token = await enroll.joinToken(c, "lab");
      const key = generatePrivateKey();
      await enroll.enrollNode(c, token, "lab-rst", {}, key);
      // As after a restart: the store's compiler knows the Approved enrollment from the database.
      const restarted = new IntentStore(c.db, c.clock.now);
      const peersOfHub = async () =>
        (await restarted.current()).compiled
          .get("hub-fra")!
          .interfaces.flatMap((i) => i.peers.map((p) => p.publicKey));
      expect(await peersOfHub()).toContain(publicKeyFromPrivate(key));
      const woken: string[][] = [];
      restarted.watch((_snap, event) => {
        if (event.cause === "commit") woken.push([...event.nodes]);
      });
      await revokeNode(
        {
          db: c.db,
          intent: restarted,
          now: c.clock.now,
          config: enrollmentConfig({ urls: ["https://127.0.0.1:1"], caSha256: "ab".repeat(32), caPem: "" }),
        },
        { actor: "test", source: "test" },
        "lab-rst",
        "",
      );
      expect(await peersOfHub()).not.toContain(publicKeyFromPrivate(key));
      expect(woken.flat()).toContain("hub-fra");
    });

    it("rejection needs a reason and is final", async () => {
      const c = await enroll.enrollController(make);
      const token = await enroll.joinToken(c, "branches");
      const key = generatePrivateKey();
      await enroll.postJoin(c, enroll.joinBody(c, token, "branch-r", key, { subnets: ["10.64.71.0/24"] }));
      expect(
        (await c.call(c.admin, "POST", "/api/v1/enrollments/branch-r/reject", { body: {} })).statusCode,
      ).toBe(400);
      const r = await c.call(c.admin, "POST", "/api/v1/enrollments/branch-r/reject", {
        body: { reason: "unknown site" },
      });
      expect(r.json()).toMatchObject({
        status: { state: "Rejected", reason: "unknown site", decidedBy: "user:admin" },
      });
      expect(await enroll.audited(c, "reject", "branch-r")).toMatchObject({
        actor: "user:admin",
        after: { state: "Rejected", reason: "unknown site" },
      });
      expect((await c.call(c.admin, "POST", "/api/v1/enrollments/branch-r/approve")).statusCode).toBe(409);
      expect(enroll.reasonOf(await enroll.postJoin(c, enroll.joinBody(c, token, "branch-r", key)))).toBe(
        "enrollment-rejected",
      );
      expect((await c.call(c.admin, "GET", "/api/v1/enrollments?state=Rejected")).json()).toMatchObject({
        items: [{ metadata: { name: "branch-r" } }],
      });
    });

    it("expires Pending and Approved enrollments after the policy's TTL (injected clock)", async () => {
      const c = await enroll.enrollController(make);
      const pending = await enroll.postJoin(
        c,
        enroll.joinBody(c, await enroll.joinToken(c, "branches"), "branch-e", generatePrivateKey(), {
          subnets: ["10.64.72.0/24"],
        }),
      );
      expect(pending.statusCode).toBe(200);
      const edgeKey = generatePrivateKey();
      const edge = await enroll.enrollNode(
        c,
        await enroll.joinToken(c, "edge"),
        "edge-e",
        { subnets: ["192.168.9.0/24"] },
        edgeKey,
      );
      const { credential } = edge.response.json() as { credential: string };
      const services = {
        db: c.db,
        intent: new IntentStore(c.db, c.clock.now),
        now: c.clock.now,
        config: enrollmentConfig({ urls: [], caSha256: "", caPem: "" }),
      };
      c.clock.advance(167 * 3600_000);
      expect(await expireEnrollments(services)).toEqual([]);
      c.clock.advance(2 * 3600_000); // edge: 168h
      expect(await expireEnrollments(services)).toEqual(["edge-e"]);
      expect(await credentialWorks(c, credential)).toBe(false);
      expect(await hubPeerKeys(c)).not.toContain(publicKeyFromPrivate(edgeKey));
      expect(await enroll.audited(c, "expire", "edge-e")).toMatchObject({
        actor: "system",
        after: { state: "Expired" },
      });
      c.clock.advance(552 * 3600_000); // branches: 720h
      expect(await expireEnrollments(services)).toEqual(["branch-e"]);
      expect(
        (await c.call(c.tokens.admin.credential, "POST", "/api/v1/enrollments/branch-e/approve")).statusCode,
      ).toBe(409);
      expect(
        (await c.call(c.tokens.admin.credential, "GET", "/api/v1/enrollments/branch-e")).json(),
      ).toMatchObject({
        status: { state: "Expired", decidedBy: "system" },
      });
    });

    it("rate-limits per source address and per token with 429 and Retry-After", async () => {
      const c = await enroll.enrollController(make, { perAddress: 3, perToken: 5 });
      const token = await enroll.joinToken(c, "lab");
      const send = (i: number, address: string) =>
        enroll.postJoin(c, enroll.joinBody(c, token, `lab-rl-${i}`, generatePrivateKey()), address);
      for (let i = 0; i < 3; i++) expect((await send(i, "192.0.2.1")).statusCode).toBe(200);
      const limited = await send(3, "192.0.2.1");
      expect(limited.statusCode).toBe(429);
      expect(limited.headers["retry-after"]).toBe("60");
      // Requests without the token's secret never count against the token: junk carrying a
      // known token id cannot lock out the nodes that use it.
      for (let i = 0; i < 3; i++) {
        const forged = {
          ...enroll.joinBody(c, token, `lab-rl-x${i}`, generatePrivateKey()),
          tokenSecret: "wrong",
        };
        await enroll.postJoin(c, forged, `192.0.2.${10 + i}`);
      }
      expect((await send(4, "192.0.2.2")).statusCode).toBe(200); // the token's fourth counted request
      expect((await send(5, "192.0.2.3")).statusCode).toBe(200); // its fifth
      expect((await send(6, "192.0.2.4")).statusCode).toBe(429); // its sixth, from a fresh address
      // Every answer is counted by result, refusals by their reason.
      const metrics = await c.call(NO_CREDENTIALS, "GET", "/metrics");
      const lines = metrics.body
        .split("\n")
        .filter((l) => l.startsWith("hubwire_enrollment_requests_total{"));
      expect(lines.sort()).toEqual([
        'hubwire_enrollment_requests_total{result="Approved",reason=""} 5',
        'hubwire_enrollment_requests_total{result="rate-limited",reason=""} 2',
        'hubwire_enrollment_requests_total{result="refused",reason="unknown-token"} 3',
      ]);
    });

    it("manages join tokens: shown once, listed without secrets, operators create, viewers read", async () => {
      const c = await enroll.enrollController(make);
      const viewer = c.tokens.viewer.credential;
      expect(
        (await c.call(viewer, "POST", "/api/v1/join-tokens", { body: { policy: "lab" } })).statusCode,
      ).toBe(403);
      expect(
        (await c.call(c.admin, "POST", "/api/v1/join-tokens", { body: { policy: "nope" } })).statusCode,
      ).toBe(404);
      const created = await c.call(c.tokens.operator.credential, "POST", "/api/v1/join-tokens", {
        body: { policy: "lab", ttl: "24h", uses: 5 },
      });
      expect(created.statusCode).toBe(201);
      const item = created.json() as { id: string; token: string; expiresAt: string };
      expect(item).toMatchObject({
        policy: "lab",
        maxUses: 5,
        uses: 0,
        revokedAt: null,
        createdBy: "token:ci-operator",
      });
      const listed = await c.call(viewer, "GET", "/api/v1/join-tokens");
      expect(listed.body).not.toContain(item.token.slice(8, 40));
      expect(listed.json()).toMatchObject({ items: [{ id: item.id, policy: "lab", uses: 0 }] });
      const revoked = await c.call(c.admin, "POST", `/api/v1/join-tokens/${item.id}/revoke`);
      expect(revoked.json()).toMatchObject({ id: item.id });
      expect((revoked.json() as { revokedAt: string | null }).revokedAt).not.toBeNull();
      expect((await c.call(c.admin, "POST", "/api/v1/join-tokens/aaaaaaaaaaaa/revoke")).statusCode).toBe(404);
    });

    it("serves only enrollment routes and /healthz on the enrollment listener", async () => {
      const c = await enroll.enrollController(make);
      const get = (url: string) => c.enrollApp!.inject({ method: "GET", url });
      expect((await get("/healthz")).statusCode).toBe(200);
      for (const url of ["/", "/metrics", "/api/v1/openapi.json", "/api/v1/nodes", "/readyz"]) {
        expect((await get(url)).statusCode, url).toBe(404);
      }
      expect((await c.app.inject({ method: "POST", url: "/enroll/v1/join", payload: {} })).statusCode).toBe(
        404,
      );
    });
  });
}
