/**
 * Shared enrollment tests, one per refusal (SPEC §4 and the reference runbook's negative tests):
 * each asserts the reason code in the answer and the audit log, and that nothing but the audit
 * entry and the consumed nonce was stored. Run on every dialect by api.suite.ts.
 */
import { describe, expect, it } from "vitest";
import { generatePrivateKey } from "../../keys/wgkeys.js";
import type { JoinRequest } from "../../model/join-payload.js";
import type { Controller, MakeController } from "../testing/api-harness.js";
import {
  enrollController,
  enrollNode,
  type Forge,
  joinBody,
  joinToken,
  LAB_POLICY,
  lastAudit,
  nonceStored,
  postJoin,
  reasonOf,
  SKEW_MS,
  stateOf,
} from "../testing/enroll-fixture.js";

/** Sends a forged request and checks the refusal: reason, audit entry, nonce, nothing else changed. */
async function refused(
  c: Controller,
  policy: string,
  name: string,
  fields: Partial<JoinRequest>,
  forge: Forge,
  reason: string,
  options: { nonceKept: boolean; token?: Awaited<ReturnType<typeof joinToken>> } = { nonceKept: true },
): Promise<void> {
  const token = options.token ?? (await joinToken(c, policy));
  const before = await stateOf(c);
  const body = joinBody(c, token, name, generatePrivateKey(), fields, forge);
  expect(reasonOf(await postJoin(c, body))).toBe(reason);
  expect(await stateOf(c)).toEqual(before);
  expect(await lastAudit(c)).toMatchObject({ action: "enroll-refused", reason });
  expect(await nonceStored(c, token.policy, body.request.nonce)).toBe(options.nonceKept);
}

export function enrollChecksApiSuite(make: MakeController): void {
  describe("enrollment refusals", () => {
    it("refuses a wrong HMAC, a wrong audience and a wrong token secret", async () => {
      const c = await enrollController(make);
      await refused(c, "lab", "lab-a", {}, { hmacSecret: "not-the-secret" }, "bad-hmac", {
        nonceKept: false,
      });
      await refused(c, "lab", "lab-a", {}, { request: { audience: "hw-someone-else" } }, "wrong-audience");
      await refused(c, "lab", "lab-a", {}, { tokenSecret: "x".repeat(43) }, "unknown-token", {
        nonceKept: false,
      });
    });

    it("refuses a request without proof of possession, or proven with another key", async () => {
      const c = await enrollController(make);
      await refused(c, "lab", "lab-a", {}, { proof: "" }, "missing-proof");
      await refused(c, "lab", "lab-a", {}, { proofKey: generatePrivateKey() }, "bad-proof");
    });

    it("accepts timestamps exactly at the skew boundary and refuses one second beyond (injected clock)", async () => {
      const c = await enrollController(make);
      const t = c.clock.now().getTime();
      await refused(c, "lab", "lab-a", {}, { timestamp: new Date(t - SKEW_MS - 1000) }, "clock-skew");
      await refused(c, "lab", "lab-a", {}, { timestamp: new Date(t + SKEW_MS + 1000) }, "clock-skew");
      const token = await joinToken(c, "lab");
      for (const [name, at] of [
        ["lab-past", t - SKEW_MS],
        ["lab-future", t + SKEW_MS],
      ] as const) {
        const r = await postJoin(
          c,
          joinBody(c, token, name, generatePrivateKey(), {}, { timestamp: new Date(at) }),
        );
        expect(r.statusCode, r.body).toBe(200);
      }
    });

    it("refuses a replayed nonce, also after a restart", async () => {
      const c = await enrollController(make);
      const token = await joinToken(c, "branches");
      const body = joinBody(c, token, "branch-x", generatePrivateKey(), { subnets: ["10.64.50.0/24"] });
      expect((await postJoin(c, body)).json()).toMatchObject({ state: "Pending", node: "branch-x" });
      const before = await stateOf(c);
      expect(reasonOf(await postJoin(c, body))).toBe("replayed-nonce");
      expect(await stateOf(c)).toEqual(before);
      // A restarted controller: a new handle on the database, a new app, no memory of the first.
      const db = await c.reopen!();
      const { buildApp } = await import("../app.js");
      const restarted = await buildApp({
        db,
        now: c.clock.now,
        surface: "enroll",
        logger: false,
        enroll: (await import("./config.js")).enrollmentConfig({
          urls: ["https://x.test"],
          caSha256: "ab".repeat(32),
          caPem: "",
        }),
      });
      try {
        const r = await restarted.inject({ method: "POST", url: "/enroll/v1/join", payload: body });
        expect(reasonOf(r)).toBe("replayed-nonce");
        expect(await stateOf(c)).toEqual(before);
        expect(await lastAudit(c)).toMatchObject({ action: "enroll-refused", reason: "replayed-nonce" });
      } finally {
        await restarted.close();
      }
    });

    it("refuses a public key already held by another node", async () => {
      const c = await enrollController(make);
      const token = await joinToken(c, "lab");
      const key = generatePrivateKey();
      expect((await enrollNode(c, token, "lab-one", {}, key)).response.statusCode).toBe(200);
      const before = await stateOf(c);
      const r = await postJoin(c, joinBody(c, token, "lab-two", key));
      expect(reasonOf(r)).toBe("key-in-use");
      expect(await stateOf(c)).toEqual(before);
    });

    it("refuses tunnel addresses outside the policy, equal to a hub's, or the network's own", async () => {
      const c = await enrollController(make);
      await refused(c, "edge", "edge-a", { tunnelAddress: "10.100.3.9" }, {}, "address-not-allowed");
      await refused(c, "lab", "lab-a", { tunnelAddress: "10.101.0.9" }, {}, "address-not-allowed");
      await refused(c, "lab", "lab-a", { tunnelAddress: "10.100.0.1" }, {}, "address-in-use"); // hub-fra
      await refused(c, "lab", "lab-a", { tunnelAddress: "10.100.0.0" }, {}, "address-reserved");
      await refused(c, "lab", "lab-a", { tunnelAddress: "10.100.255.255" }, {}, "address-reserved");
    });

    it("refuses subnets overlapping another node's, the default route, non-canonical or outside the bounds", async () => {
      const c = await enrollController(make);
      await refused(c, "lab", "lab-a", { subnets: ["10.64.7.0/25"] }, {}, "subnet-in-use"); // branch-sha's
      await refused(c, "lab", "lab-a", { subnets: ["10.64.0.0/16"] }, {}, "subnet-in-use"); // covers it
      await refused(c, "lab", "lab-a", { subnets: ["0.0.0.0/0"] }, {}, "default-route");
      // Unparseable requests cannot have their HMAC checked: their nonce is not consumed.
      await refused(c, "lab", "lab-a", { subnets: ["10.64.60.1/24"] }, {}, "invalid-subnet", {
        nonceKept: false,
      });
      await refused(c, "lab", "lab-a", { subnets: ["10.80.0.0/24"] }, {}, "subnet-not-allowed");
      await refused(c, "lab", "lab-a", { subnets: ["10.64.60.0/30"] }, {}, "subnet-not-allowed");
    });

    it("refuses names with control characters, over 63 characters, or not allowed by the policy", async () => {
      const c = await enrollController(make);
      await refused(c, "lab", "lab-a\u0001", {}, {}, "invalid-name", { nonceKept: false });
      await refused(c, "lab", `lab-${"a".repeat(60)}`, {}, {}, "invalid-name", { nonceKept: false });
      await refused(c, "lab", "branch-zz", {}, {}, "name-not-allowed");
    });

    it("refuses endpoints outside the policy's prefixes, and a role or network the policy does not give", async () => {
      const c = await enrollController(make);
      await refused(c, "lab", "lab-a", { endpoint: "203.0.113.50:51820" }, {}, "endpoint-not-allowed");
      await refused(c, "lab", "lab-a", { endpoint: "lab.example.com:51820" }, {}, "endpoint-not-allowed");
      await refused(c, "edge", "edge-a", { endpoint: "198.51.100.5:51820" }, {}, "endpoint-not-allowed");
      await refused(c, "lab", "lab-a", { role: "hub" }, {}, "policy-mismatch");
    });

    it("refuses an expired, revoked or used-up token", async () => {
      const c = await enrollController(make);
      const expiring = await joinToken(c, "lab", { ttl: "1m" });
      c.clock.advance(61_000);
      await refused(c, "lab", "lab-a", {}, {}, "token-expired", { nonceKept: false, token: expiring });
      const revoked = await joinToken(c, "lab");
      expect((await c.call(c.admin, "POST", `/api/v1/join-tokens/${revoked.id}/revoke`)).statusCode).toBe(
        200,
      );
      await refused(c, "lab", "lab-a", {}, {}, "token-revoked", { nonceKept: false, token: revoked });
      const once = await joinToken(c, "lab", { uses: 1 });
      expect((await enrollNode(c, once, "lab-first")).response.statusCode).toBe(200);
      await refused(c, "lab", "lab-second", {}, {}, "token-used-up", { nonceKept: true, token: once });
    });

    it("refuses a request for a policy that no longer exists, or whose use limit is reached", async () => {
      const c = await enrollController(make);
      const token = await joinToken(c, "lab");
      expect((await c.call(c.admin, "DELETE", "/api/v1/enrollment-policies/lab")).statusCode).toBe(204);
      await refused(c, "lab", "lab-a", {}, {}, "unknown-policy", { nonceKept: true, token });
    });

    it("refuses requests missing their nonce, timestamp or HMAC", async () => {
      const c = await enrollController(make);
      const token = await joinToken(c, "lab");
      for (const field of ["nonce", "timestamp", "hmac"] as const) {
        const before = await stateOf(c);
        const body = joinBody(c, token, "lab-a", generatePrivateKey());
        delete (body.request as Record<string, unknown>)[field];
        expect(reasonOf(await postJoin(c, body)), field).toBe("invalid-request");
        expect(await stateOf(c)).toEqual(before);
        expect(await lastAudit(c)).toMatchObject({ action: "enroll-refused", reason: "invalid-request" });
      }
    });

    it("refuses once the policy's own use limit is reached, and bounds expiry by the policy's TTL", async () => {
      const c = await enrollController(make);
      const tiny = LAB_POLICY.replace("name: lab }", "name: tiny }")
        .replace('["lab-*"]', '["tiny-*"]')
        .replace("approval: auto", "approval: auto\n  maxUses: 1\n  ttl: 2h");
      expect((await c.call(c.admin, "POST", "/api/v1/apply", { body: tiny })).statusCode).toBe(200);
      const token = await joinToken(c, "tiny");
      const first = await postJoin(c, joinBody(c, token, "tiny-1", generatePrivateKey()));
      const timestamp = c.clock.now();
      expect(first.json()).toMatchObject({
        state: "Approved",
        expiresAt: new Date(timestamp.getTime() + 2 * 3600_000).toISOString(),
      });
      await refused(c, "tiny", "tiny-2", {}, {}, "policy-used-up", { nonceKept: true, token });
    });
  });
}
