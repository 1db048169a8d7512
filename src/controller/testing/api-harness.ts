/**
 * A controller for API tests: a fresh database (SQLite or PostgreSQL, through the same opener the
 * database suite uses), a first admin made the way the server makes one, the app built without
 * listening, an admin session (cookie + CSRF token) and an API token per role created through the
 * API itself. Requests go through `app.inject()`; apps and databases are closed after each test.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from "fastify";
import { afterEach, expect } from "vitest";
import { buildApp } from "../app.js";
import { CSRF_HEADER, SESSION_COOKIE } from "../auth/authenticate.js";
import type { Role } from "../auth/principal.js";
import { hashPassword } from "../auth/secrets.js";
import type { Db } from "../db/open.js";
import { createFirstAdminIfNone } from "../db/repo-users.js";
import type { FreshDatabase } from "../db/suite-harness.js";
import type { EnrollmentConfig } from "../enroll/config.js";
import { createMetrics } from "../metrics/metrics.js";
import { type Delivery, startDelivery } from "../notify/delivery.js";
import { IntentStore } from "../state/intent-store.js";

export const ADMIN_NAME = "admin";
export const ADMIN_PASSWORD = "first-admin-password-0123";

/** The examples the README describes, as files: realistic intent for every API test. */
export const EXAMPLES_DIR = join(import.meta.dirname, "../../../examples");
export const CORP_FILES = ["network.yaml", "hubs.yaml", "spokes.yaml", "policies.yaml"] as const;

/** examples/corp as one YAML stream (network first; order does not matter to apply). */
export function corpYaml(): string {
  return CORP_FILES.map((f) => readFileSync(join(EXAMPLES_DIR, "corp", f), "utf8")).join("\n---\n");
}

export function meshYaml(): string {
  return readFileSync(join(EXAMPLES_DIR, "mesh", "mesh.yaml"), "utf8");
}

/** A controller from `make` with the corp example applied by the admin. */
export async function corpController(make: MakeController, options?: ControllerOptions): Promise<Controller> {
  const c = await make(options);
  const r = await c.call(c.admin, "POST", "/api/v1/apply", { body: corpYaml() });
  expect(r.statusCode, r.body).toBe(200);
  return c;
}

/** What a request presents. */
export type Credential =
  | { readonly kind: "session"; readonly cookie: string; readonly csrf: string }
  | { readonly kind: "bearer"; readonly token: string }
  | { readonly kind: "raw"; readonly headers: Readonly<Record<string, string>> }
  | { readonly kind: "none" };

export const NO_CREDENTIALS: Credential = { kind: "none" };

/** A created API token as the create answer returns it. */
export interface CreatedToken {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  readonly token: string;
  readonly credential: Credential;
}

/** Options of one request. */
export interface CallOptions {
  /** A body: objects go as JSON, strings as application/yaml unless `contentType` says otherwise. */
  readonly body?: unknown;
  readonly contentType?: string;
  /** Send this X-CSRF-Token instead of the session's; `false` sends none. */
  readonly csrf?: string | false;
  readonly headers?: Readonly<Record<string, string>>;
  readonly remoteAddress?: string;
}

/** A settable clock handed to buildApp's `now`. */
export class TestClock {
  // Starts at the wall clock: the intent store stamps its audit entries with the real time.
  constructor(private current = new Date()) {}
  readonly now = (): Date => new Date(this.current.getTime());
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

/** Headers presenting `cred` for a request with `method`. */
export function credentialHeaders(
  cred: Credential,
  method: string,
  csrf?: string | false,
): Record<string, string> {
  switch (cred.kind) {
    case "none":
      return {};
    case "raw":
      return { ...cred.headers };
    case "bearer":
      return { authorization: `Bearer ${cred.token}` };
    case "session": {
      const headers: Record<string, string> = { cookie: `${SESSION_COOKIE}=${cred.cookie}` };
      const token = csrf === undefined ? cred.csrf : csrf;
      if (token !== false && method !== "GET") headers[CSRF_HEADER] = token;
      return headers;
    }
  }
}

/** One controller under test. */
export interface Controller {
  readonly app: FastifyInstance;
  readonly db: Db;
  readonly clock: TestClock;
  /** Config delivery and status of this controller (to sweep status on demand). */
  readonly delivery: Delivery;
  /** The first admin's session. */
  readonly admin: Credential;
  /** One API token per role, created by the admin through the API. */
  readonly tokens: Readonly<Record<Role, CreatedToken>>;
  call(cred: Credential, method: string, url: string, options?: CallOptions): Promise<LightMyRequestResponse>;
  /** Logs in; throws unless the answer is 200. */
  login(name: string, password: string, remoteAddress?: string): Promise<SessionLogin>;
  /** Creates a user through the API (as the admin). */
  createUser(name: string, role: Role, password: string): Promise<void>;
  /** Creates a token through the API (as the admin). */
  createToken(name: string, role: Role, ttl?: string): Promise<CreatedToken>;
  /** The intent revision as /metrics reports it. */
  revision(): Promise<number>;
  /** GET /api/v1/export as the admin. */
  exportYaml(): Promise<string>;
  /** The enrollment listener's app (same database, intent store and clock), when `enroll` was given. */
  readonly enrollApp?: FastifyInstance;
  /** Opens another handle on the same database (a restarted controller); closed after the test. */
  readonly reopen?: () => Promise<Db>;
}

export interface SessionLogin {
  readonly credential: Extract<Credential, { kind: "session" }>;
  readonly response: LightMyRequestResponse;
}

export interface ControllerOptions {
  /** Options passed through to buildApp (logger, …). */
  readonly logger?: boolean | object;
  /** Skip creating the per-role tokens. */
  readonly withoutTokens?: boolean;
  /** Also build the enrollment surface (`enrollApp`) with these settings. */
  readonly enroll?: EnrollmentConfig;
  /** Passed to config delivery (see NotifierOptions.revisionPollMs). */
  readonly revisionPollMs?: number;
}

/** Makes a controller on a fresh database; closed after the test. */
export type MakeController = (options?: ControllerOptions) => Promise<Controller>;

/** The session id in a login answer's Set-Cookie, or undefined. */
export function sessionCookieOf(response: LightMyRequestResponse): string | undefined {
  const header = response.headers["set-cookie"];
  const text = Array.isArray(header) ? header.join("\n") : (header ?? "");
  const m = new RegExp(`${SESSION_COOKIE}=([^;]*)`).exec(text);
  return m?.[1] || undefined;
}

/**
 * Registers cleanup in the enclosing `describe` and returns a factory of controllers on fresh
 * databases from `freshDatabase`.
 */
export function controllers(freshDatabase: FreshDatabase): MakeController {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  return async (options = {}) => {
    const open = await freshDatabase();
    const db = await open();
    cleanups.push(() => db.close());
    const reopen = async () => {
      const again = await open();
      cleanups.push(() => again.close());
      return again;
    };
    return { ...(await startController(db, options, cleanups)), reopen };
  };
}

/** Builds a controller on an open, migrated database `db` (closed by the caller). */
export async function startController(
  db: Db,
  options: ControllerOptions,
  cleanups: Array<() => Promise<void>>,
): Promise<Controller> {
  const clock = new TestClock();
  const now = clock.now().toISOString();
  await db.transaction(async (tx) =>
    createFirstAdminIfNone(tx, {
      name: ADMIN_NAME,
      role: "admin",
      password_hash: await hashPassword(ADMIN_PASSWORD),
      language: "en",
      created_at: now,
    }),
  );
  const metrics = createMetrics(db);
  const intent = new IntentStore(db, clock.now);
  const delivery = await startDelivery(intent, db, {
    now: clock.now,
    metrics,
    ...(options.revisionPollMs ? { revisionPollMs: options.revisionPollMs } : {}),
  });
  cleanups.push(() => delivery.close());
  const app = await buildApp({
    db,
    now: clock.now,
    logger: options.logger ?? false,
    metrics,
    intent,
    delivery,
    ...(options.enroll ? { enroll: options.enroll } : {}),
  });
  cleanups.push(() => app.close());
  const enrollApp = options.enroll
    ? await buildApp({
        db,
        now: clock.now,
        intent,
        metrics,
        surface: "enroll",
        enroll: options.enroll,
        logger: false,
      })
    : undefined;
  if (enrollApp) cleanups.push(() => enrollApp.close());

  const call = (cred: Credential, method: string, url: string, o: CallOptions = {}) => {
    const headers: Record<string, string> = { ...credentialHeaders(cred, method, o.csrf), ...o.headers };
    const request: InjectOptions = {
      method: method as InjectOptions["method"],
      url,
      headers,
      ...(o.remoteAddress ? { remoteAddress: o.remoteAddress } : {}),
    };
    if (o.body !== undefined) {
      if (typeof o.body === "string") {
        request.payload = o.body;
        headers["content-type"] = o.contentType ?? "application/yaml";
      } else {
        request.payload = JSON.stringify(o.body);
        headers["content-type"] = o.contentType ?? "application/json";
      }
    }
    return app.inject(request);
  };

  const login = async (name: string, password: string, remoteAddress?: string): Promise<SessionLogin> => {
    const response = await call(NO_CREDENTIALS, "POST", "/api/v1/login", {
      body: { name, password },
      ...(remoteAddress ? { remoteAddress } : {}),
    });
    if (response.statusCode !== 200)
      throw new Error(`login ${name}: ${response.statusCode} ${response.body}`);
    const cookie = sessionCookieOf(response);
    if (!cookie) throw new Error(`login ${name}: no session cookie`);
    const csrf = (response.json() as { csrfToken: string }).csrfToken;
    return { credential: { kind: "session", cookie, csrf }, response };
  };

  const admin = (await login(ADMIN_NAME, ADMIN_PASSWORD)).credential;

  const createToken = async (name: string, role: Role, ttl?: string): Promise<CreatedToken> => {
    const r = await call(admin, "POST", "/api/v1/tokens", { body: { name, role, ...(ttl ? { ttl } : {}) } });
    expect(r.statusCode, r.body).toBe(201);
    const created = r.json() as { id: string; name: string; role: Role; token: string };
    return { ...created, credential: { kind: "bearer", token: created.token } };
  };

  const tokens = options.withoutTokens
    ? ({} as Record<Role, CreatedToken>)
    : {
        admin: await createToken("ci-admin", "admin"),
        operator: await createToken("ci-operator", "operator"),
        viewer: await createToken("ci-viewer", "viewer"),
      };

  return {
    app,
    ...(enrollApp ? { enrollApp } : {}),
    db,
    clock,
    delivery,
    admin,
    tokens,
    call,
    login,
    createToken,
    async createUser(name, role, password) {
      const r = await call(admin, "POST", "/api/v1/users", { body: { name, role, password } });
      expect(r.statusCode, r.body).toBe(201);
    },
    async revision() {
      const r = await call(NO_CREDENTIALS, "GET", "/metrics");
      const m = /^hubwire_config_revision (\d+)$/m.exec(r.body);
      if (!m) throw new Error(`no hubwire_config_revision in /metrics:\n${r.body}`);
      return Number(m[1]);
    },
    async exportYaml() {
      const r = await call(admin, "GET", "/api/v1/export");
      expect(r.statusCode, r.body).toBe(200);
      return r.body;
    },
  };
}
