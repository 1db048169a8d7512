/**
 * Login, logout and the caller's own profile. Login is rate-limited per source
 * address and per user name — counted the same whether the name exists or not
 * — and every failure gets the same answer and costs the same time.
 */
import { z } from "zod";
import { recordAudit } from "../../audit/audit-log.js";
import { language, userName } from "../../auth/account-fields.js";
import { SESSION_COOKIE } from "../../auth/authenticate.js";
import { countHits } from "../../auth/rate-limits.js";
import { burnPasswordCheck, hashSecret, newSecret, verifyPassword } from "../../auth/secrets.js";
import { endSession, setLanguage, startSession, userById, userForLogin } from "../../auth/sessions.js";
import { DomainError } from "../../errors.js";
import { type AnyRoute, route } from "../route.js";
import type { Services } from "../services.js";

export const SESSION_TTL_MS = 12 * 3600_000;
const LOGIN_WINDOW_MS = 60_000;
const MAX_PER_ADDRESS = 20;
const MAX_PER_NAME = 10;
/** A login body is a name and a password (≤ 1024 characters). */
const LOGIN_BODY_LIMIT = 4 * 1024;

const tooManyLogins = () =>
  new DomainError("rate-limited", "too many login attempts; try again later", undefined, {
    retryAfterSeconds: LOGIN_WINDOW_MS / 1000,
  });

const sessionCookie = (value: string, maxAgeSeconds: number) =>
  `${SESSION_COOKIE}=${value}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}`;

export function sessionRoutes(s: Services): AnyRoute[] {
  return [
    route({
      method: "POST",
      path: "/api/v1/login",
      permission: "public",
      summary: "Log in; sets the session cookie and returns the CSRF token for changes",
      tag: "Session",
      body: z.strictObject({ name: z.string().max(200), password: z.string().max(1024) }),
      bodyLimit: LOGIN_BODY_LIMIT,
      // Per address before the body is read: a flood of large bodies is refused unparsed.
      beforeBody: async (request) => {
        const at = s.now().getTime();
        const [perAddress] = await countHits(s.db, [`login-ip:${request.ip}`], LOGIN_WINDOW_MS, at);
        if (perAddress! > MAX_PER_ADDRESS) throw tooManyLogins();
      },
      response: z.object({ name: z.string(), role: z.string(), language: z.string(), csrfToken: z.string() }),
      handler: async ({ body, request, reply }) => {
        const now = s.now();
        const nameKey = userName.safeParse(body.name).success ? body.name : "(invalid)";
        const [perName] = await countHits(s.db, [`login-user:${nameKey}`], LOGIN_WINDOW_MS, now.getTime());
        if (perName! > MAX_PER_NAME) throw tooManyLogins();
        const user = nameKey === "(invalid)" ? undefined : await userForLogin(s.db, nameKey);
        const ok = user ? await verifyPassword(user.password_hash, body.password) : await burnPasswordCheck();
        if (!user || !ok || user.disabled) {
          await recordAudit(s.db, {
            at: now.toISOString(),
            // Only a name that exists: people type passwords into the name field.
            actor: user ? `user:${user.name}` : "anonymous",
            source: request.ip,
            action: "login-failed",
            kind: null,
            name: null,
            before: null,
            after: null,
          });
          s.metrics.logins.inc({ result: "failed" });
          throw new DomainError("unauthenticated", "wrong user name or password");
        }
        const sessionId = newSecret();
        const csrfToken = newSecret();
        await startSession(
          s.db,
          { actor: `user:${user.name}`, source: request.ip },
          {
            id_hash: hashSecret(sessionId),
            user_id: user.id,
            csrf_hash: hashSecret(csrfToken),
            created_at: now.toISOString(),
            expires_at: new Date(now.getTime() + SESSION_TTL_MS).toISOString(),
            last_seen_at: now.toISOString(),
          },
        );
        s.metrics.logins.inc({ result: "ok" });
        reply.header("set-cookie", sessionCookie(sessionId, SESSION_TTL_MS / 1000));
        return { name: user.name, role: user.role, language: user.language, csrfToken };
      },
    }),
    route({
      method: "POST",
      path: "/api/v1/logout",
      permission: "read",
      summary: "End the current session (server-side)",
      tag: "Session",
      status: 204,
      handler: async ({ principal, reply }) => {
        if (principal.sessionIdHash) await endSession(s.db, principal.sessionIdHash);
        reply.header("set-cookie", sessionCookie("", 0));
        reply.code(204);
        return undefined;
      },
    }),
    route({
      method: "GET",
      path: "/api/v1/me",
      permission: "read",
      summary: "Who the credentials belong to",
      tag: "Session",
      response: z.object({ actor: z.string(), role: z.string(), language: z.string().optional() }),
      handler: async ({ principal }) => {
        const user = principal.kind === "user" ? await userById(s.db, principal.id) : undefined;
        return { actor: principal.actor, role: principal.role, ...(user ? { language: user.language } : {}) };
      },
    }),
    route({
      method: "PATCH",
      path: "/api/v1/me",
      permission: "read",
      summary: "Change your own preferences (language)",
      tag: "Session",
      body: z.strictObject({ language }),
      status: 204,
      handler: async ({ principal, body, reply }) => {
        if (principal.kind !== "user") throw new DomainError("bad-request", "API tokens have no preferences");
        await setLanguage(s.db, principal.id, body.language, s.now().toISOString());
        reply.code(204);
        return undefined;
      },
    }),
  ];
}
