/**
 * The enrollment surface (SPEC §4), served only by the `--enroll-listen` listener: join and
 * status for nodes without credentials (rate-limited per source address and per token), and key
 * rotation for enrolled nodes (also on the API listeners).
 */
import type { FastifyRequest } from "fastify";
import {
  enrollAnswer,
  type JoinBody,
  joinBody,
  rotateAnswer,
  rotateBody,
  statusBody,
} from "../../../model/enroll-wire.js";
import { countHits } from "../../auth/rate-limits.js";
import type { EnrollmentConfig } from "../../enroll/config.js";
import { join } from "../../enroll/join.js";
import { EnrollRejection } from "../../enroll/rejection.js";
import { rotateKey } from "../../enroll/rotate.js";
import { enrollmentStatus } from "../../enroll/status.js";
import { tokenWithSecret } from "../../enroll/verify.js";
import { DomainError } from "../../errors.js";
import { type AnyRoute, route } from "../route.js";
import type { Services } from "../services.js";
import { enrollServicesOf } from "./enrollments.js";

/** Counts one request against each key; refuses with 429 and Retry-After once any is over its limit. */
async function limit(s: Services, config: EnrollmentConfig, keys: Array<[string, number]>): Promise<void> {
  const now = s.now().getTime();
  const active = keys.filter(([, max]) => max > 0);
  if (active.length === 0) return;
  const counts = await countHits(
    s.db,
    active.map(([key]) => key),
    config.windowMs,
    now,
  );
  if (counts.some((n, i) => n > active[i]![1])) {
    throw new DomainError("rate-limited", "too many enrollment requests; try again later", undefined, {
      retryAfterSeconds: Math.ceil(config.windowMs / 1000),
    });
  }
}

export function enrollRoutes(s: Services): AnyRoute[] {
  const e = enrollServicesOf(s);
  const config = () => {
    if (!s.enroll) throw new DomainError("not-found", "enrollment is not enabled on this controller");
    return s.enroll;
  };
  // Counted when the request arrives, before its body is read.
  const perAddress = async (request: FastifyRequest) => {
    const c = config();
    await limit(s, c, [[`enroll-ip:${request.ip}`, c.perAddress]]);
  };
  /** Every join answer counted by result, refusals by their reason (`hubwire_enrollment_requests_total`). */
  const countJoin = (result: string, reason = "") => s.metrics.enrollRequests.inc({ result, reason });
  /** A join after the per-token rate limit (the per-address one ran before the body was read). */
  const joinLimited = async (body: JoinBody, ip: string) => {
    const c = config();
    // Only a caller holding the token's secret counts against the token: otherwise anyone who
    // saw a token id (lists, audit log) could lock out every node enrolling with it.
    if (await tokenWithSecret(s.db, body.tokenId, body.tokenSecret)) {
      await limit(s, c, [[`enroll-token:${body.tokenId}`, c.perToken]]);
    }
    return join(e, body, ip);
  };
  return [
    route({
      method: "POST",
      path: "/enroll/v1/join",
      permission: "public",
      surfaces: ["enroll"],
      summary: "A node asks to join (signed request, proof of possession of its key)",
      tag: "Enrollment",
      body: joinBody,
      // A refusal here is counted too; only answers that get past it are counted by the handler.
      beforeBody: async (request) => {
        try {
          await perAddress(request);
        } catch (error) {
          if (error instanceof DomainError && error.code === "rate-limited") countJoin("rate-limited");
          throw error;
        }
      },
      response: enrollAnswer,
      handler: async ({ body, request }) => {
        try {
          const answer = await joinLimited(body, request.ip);
          countJoin(answer.state);
          return answer;
        } catch (error) {
          if (error instanceof EnrollRejection) countJoin("refused", error.reason);
          else if (error instanceof DomainError && error.code === "rate-limited") countJoin("rate-limited");
          throw error;
        }
      },
    }),
    route({
      method: "POST",
      path: "/enroll/v1/status",
      permission: "public",
      surfaces: ["enroll"],
      summary: "A node asks how its enrollment stands; once approved, the answer carries its credential",
      tag: "Enrollment",
      body: statusBody,
      beforeBody: perAddress,
      response: enrollAnswer,
      handler: async ({ body, request }) => {
        return enrollmentStatus(e, body, request.ip);
      },
    }),
    route({
      method: "POST",
      path: "/agent/v1/rotate-key",
      permission: "node",
      surfaces: ["api", "enroll"],
      summary: "An enrolled node replaces its public key (proof of possession of the new key)",
      tag: "Enrollment",
      body: rotateBody,
      response: rotateAnswer,
      handler: async ({ body, principal, request }) => rotateKey(e, principal.node!, body, request.ip),
    }),
  ];
}
