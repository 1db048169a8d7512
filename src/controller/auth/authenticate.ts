/**
 * Turns a request's credentials into a Principal: an API token (`Authorization:
 * Bearer hwt_…`) or a session cookie. Anything else — missing, malformed,
 * expired, revoked, a disabled user — is `unauthenticated`, with one message
 * for all, so the answer tells an attacker nothing about which part failed.
 */
import type { FastifyRequest } from "fastify";
import type { Db, Tx } from "../db/open.js";
import { getSession, touchSession } from "../db/repo-sessions.js";
import { getToken, touchToken } from "../db/repo-tokens.js";
import { getUserById } from "../db/repo-users.js";
import { DomainError } from "../errors.js";
import type { Principal, Role } from "./principal.js";
import { hashSecret, parseApiToken, safeEqualHex } from "./secrets.js";

export const SESSION_COOKIE = "__Host-hubwire_session";
export const CSRF_HEADER = "x-csrf-token";

const denied = () => new DomainError("unauthenticated", "missing or invalid credentials");

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Last-used times are kept to the minute: writing one per request would make every read a write. */
const TOUCH_EVERY_MS = 60_000;

function stale(last: string | null, now: Date): boolean {
  return last === null || Date.parse(last) <= now.getTime() - TOUCH_EVERY_MS;
}

/** A bookkeeping write that must never fail the request it rides on (e.g. two replicas touching one row). */
async function bestEffort(db: Db, fn: (tx: Tx) => Promise<unknown>): Promise<void> {
  try {
    await db.transaction(fn);
  } catch {
    // the next request touches it again
  }
}

export async function authenticate(db: Db, request: FastifyRequest, now: Date): Promise<Principal> {
  const auth = request.headers.authorization;
  if (auth !== undefined) {
    const match = /^Bearer (\S+)$/.exec(auth);
    const parsed = match ? parseApiToken(match[1]!) : undefined;
    if (!parsed) throw denied();
    const token = await getToken(db.kysely, parsed.id);
    if (!token || !safeEqualHex(token.secret_hash, hashSecret(parsed.secret))) throw denied();
    if (token.revoked_at || (token.expires_at && token.expires_at <= now.toISOString())) throw denied();
    if (stale(token.last_used_at, now))
      await bestEffort(db, (tx) => touchToken(tx, token.id, now.toISOString()));
    return { kind: "token", id: token.id, actor: `token:${token.name}`, role: token.role as Role };
  }
  const sessionId = readCookie(request.headers.cookie, SESSION_COOKIE);
  if (!sessionId || !/^[A-Za-z0-9_-]{20,100}$/.test(sessionId)) throw denied();
  const idHash = hashSecret(sessionId);
  const session = await getSession(db.kysely, idHash);
  if (!session || session.expires_at <= now.toISOString()) throw denied();
  const user = await getUserById(db.kysely, session.user_id);
  if (!user || user.disabled) throw denied();
  if (stale(session.last_seen_at, now))
    await bestEffort(db, (tx) => touchSession(tx, idHash, now.toISOString()));
  return {
    kind: "user",
    id: user.id,
    actor: `user:${user.name}`,
    role: user.role as Role,
    sessionIdHash: idHash,
    csrfHash: session.csrf_hash,
  };
}

/** Cookie-authenticated changes must echo the session's CSRF token in a header a cross-site form cannot set. */
export function checkCsrf(principal: Principal, request: FastifyRequest): void {
  if (!principal.csrfHash || request.method === "GET" || request.method === "HEAD") return;
  const header = request.headers[CSRF_HEADER];
  const token = typeof header === "string" ? header : undefined;
  if (!token || !safeEqualHex(principal.csrfHash, hashSecret(token))) {
    throw new DomainError(
      "csrf-failed",
      "state-changing requests with a session need the X-CSRF-Token header",
    );
  }
}
