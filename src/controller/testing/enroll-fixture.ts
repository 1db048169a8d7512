/**
 * Enrollment tests' helpers: a controller with the enrollment surface and the corp example plus a
 * `lab` policy wide enough to reach hubs' and the network's own addresses, join tokens made through
 * the API, requests signed the way an agent signs them (each part replaceable, to forge one), and
 * a fingerprint of everything a refused request must leave untouched.
 */

import { randomBytes } from "node:crypto";
import type { LightMyRequestResponse } from "fastify";
import { expect } from "vitest";
import { proveKey } from "../../keys/proof.js";
import { generatePrivateKey, publicKeyFromPrivate } from "../../keys/wgkeys.js";
import { requestTimestamp } from "../../model/enroll-wire.js";
import type { JoinRequest } from "../../model/join-payload.js";
import { joinHmac, joinPayload } from "../../model/join-payload.js";
import { type JoinToken, parseJoinToken } from "../../model/join-token.js";
import { nonceSeen } from "../db/repo-join-tokens.js";
import { enrollmentConfig } from "../enroll/config.js";
import { type Controller, corpYaml, type MakeController } from "./api-harness.js";

export const LAB_POLICY = `apiVersion: hubwire/v1
kind: EnrollmentPolicy
metadata: { name: lab }
spec:
  network: corp
  role: spoke
  nodeNames: ["lab-*"]
  tunnelAddressPrefixes: [10.100.0.0/16]
  subnetPrefixes: [{ prefix: 10.64.0.0/12, minLength: 16, maxLength: 28 }]
  endpointPrefixes: [198.51.100.0/24]
  hubs: [hub-fra]
  labels: { tier: lab }
  approval: auto
`;

export const ENROLL_URL = "https://enroll.example.test:7443";

/** Skew the fixture's controller allows. */
export const SKEW_MS = 5 * 60_000;

/** A controller with enrollment on, the corp example and the lab policy applied. */
export async function enrollController(
  make: MakeController,
  limits: { perAddress?: number; perToken?: number } = {},
): Promise<Controller> {
  const c = await make({
    enroll: enrollmentConfig({
      urls: [ENROLL_URL],
      caSha256: "ab".repeat(32),
      caPem: "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",
      perAddress: limits.perAddress ?? 0,
      perToken: limits.perToken ?? 0,
    }),
  });
  const r = await c.call(c.admin, "POST", "/api/v1/apply", { body: `${corpYaml()}\n---\n${LAB_POLICY}` });
  expect(r.statusCode, r.body).toBe(200);
  // Whole seconds: request timestamps have none, and skew boundaries are tested to the second.
  c.clock.advance(-(c.clock.now().getTime() % 1000));
  return c;
}

/** A join token for `policy`, made through the API. */
export async function joinToken(c: Controller, policy: string, extra: object = {}): Promise<JoinToken> {
  const r = await c.call(c.admin, "POST", "/api/v1/join-tokens", { body: { policy, ...extra } });
  expect(r.statusCode, r.body).toBe(201);
  return parseJoinToken((r.json() as { token: string }).token);
}

export interface Forge {
  /** Changes fields before signing. */
  request?: Partial<Record<keyof JoinRequest, unknown>>;
  /** Signs with this secret instead of the token's. */
  hmacSecret?: string;
  /** Replaces the proof ("" for none). */
  proof?: string;
  /** Proves with this private key instead of the node's. */
  proofKey?: string;
  /** The secret sent with the request. */
  tokenSecret?: string;
  timestamp?: Date;
}

/** A join body as an agent would send it for `nodeName`, with `forge` applied. */
export function joinBody(
  c: Controller,
  token: JoinToken,
  nodeName: string,
  privateKey: string,
  fields: Partial<JoinRequest> = {},
  forge: Forge = {},
) {
  const request = {
    policy: token.policy,
    network: token.network,
    nodeName,
    audience: token.audience,
    nonce: randomBytes(16).toString("hex"),
    timestamp: requestTimestamp(forge.timestamp ?? c.clock.now()),
    role: token.role,
    subnets: [],
    publicKey: publicKeyFromPrivate(privateKey),
    ...fields,
    ...forge.request,
  } as JoinRequest;
  let hmac = "0".repeat(64);
  try {
    hmac = joinHmac(request, forge.hmacSecret ?? token.secret);
  } catch {
    // a forged field the payload cannot encode: the controller must refuse it by its shape
  }
  let proof = forge.proof;
  if (proof === undefined) {
    try {
      proof = proveKey(forge.proofKey ?? privateKey, token.controllerKey, "join", joinPayload(request));
    } catch {
      proof = "00";
    }
  }
  return {
    tokenId: token.id,
    tokenSecret: forge.tokenSecret ?? token.secret,
    request: { ...request, hmac },
    proof,
  };
}

/** POSTs a join body to the enrollment surface. */
export function postJoin(
  c: Controller,
  body: unknown,
  remoteAddress = "192.0.2.10",
): Promise<LightMyRequestResponse> {
  return c.enrollApp!.inject({
    method: "POST",
    url: "/enroll/v1/join",
    headers: { "content-type": "application/json" },
    payload: JSON.stringify(body),
    remoteAddress,
  });
}

/** Enrolls `nodeName` with a fresh key (or the one given) and returns the answer. */
export async function enrollNode(
  c: Controller,
  token: JoinToken,
  nodeName: string,
  fields: Partial<JoinRequest> = {},
  privateKey = generatePrivateKey(),
) {
  const r = await postJoin(c, joinBody(c, token, nodeName, privateKey, fields));
  return { response: r, privateKey };
}

/** Everything a refusal must not change: resources, revision, token uses, credentials. */
export async function stateOf(c: Controller) {
  const k = c.db.kysely;
  return {
    resources: await k
      .selectFrom("resources")
      .select(["kind", "name", "spec", "status"])
      .orderBy("kind")
      .orderBy("name")
      .execute(),
    revision: await k.selectFrom("meta").select("value").where("key", "=", "revision").executeTakeFirst(),
    tokens: await k.selectFrom("join_tokens").select(["id", "uses"]).orderBy("id").execute(),
    credentials: await k.selectFrom("node_credentials").selectAll().orderBy("node").execute(),
  };
}

/** The refusal's reason code, after checking the answer's shape. */
export function reasonOf(r: LightMyRequestResponse): string {
  expect(r.statusCode, r.body).toBe(403);
  const body = r.json() as { error: { code: string; reason: string; message: string } };
  expect(body.error.code).toBe("enrollment-rejected");
  expect(body.error.message.length).toBeGreaterThan(0);
  return body.error.reason;
}

/** The newest audit entry's action and reason. */
export async function lastAudit(
  c: Controller,
): Promise<{ action: string; reason?: string; name: string | null }> {
  const row = await c.db.kysely
    .selectFrom("audit_log")
    .select(["action", "after", "name"])
    .orderBy("id", "desc")
    .executeTakeFirstOrThrow();
  const after = row.after ? (JSON.parse(row.after) as { reason?: string }) : {};
  return { action: row.action, name: row.name, ...(after.reason ? { reason: after.reason } : {}) };
}

/** Whether `nonce` is recorded as used for `scope`. */
export function nonceStored(c: Controller, scope: string, nonce: string): Promise<boolean> {
  return nonceSeen(c.db.kysely, scope, nonce);
}

/** The newest audit entry of `action` on `name`: actor and what it recorded after. */
export async function audited(
  c: Controller,
  action: string,
  name: string,
): Promise<{ actor: string; after: Record<string, unknown> } | undefined> {
  const row = await c.db.kysely
    .selectFrom("audit_log")
    .select(["actor", "after"])
    .where("action", "=", action)
    .where("name", "=", name)
    .orderBy("id", "desc")
    .executeTakeFirst();
  return row ? { actor: row.actor, after: row.after ? JSON.parse(row.after) : {} } : undefined;
}
