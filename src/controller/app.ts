/**
 * The controller's HTTP application, built without listening so that tests
 * drive it with `app.inject()`. Every route comes from the route table; this
 * file wires authentication, permission and CSRF checks, input parsing, error
 * mapping and metrics around each handler, in one place.
 */
import Fastify, { type FastifyInstance, type FastifyRequest } from "fastify";
import type { z } from "zod";
import type { Issue } from "../model/index.js";
import { formatPath } from "../model/index.js";
import { codeForStatus, sendError } from "./api/errors.js";
import { registerJsonParser } from "./api/json-body.js";
import { openApiDocument } from "./api/openapi.js";
import { type AnyRoute, PUBLIC_BODY_LIMIT, type Surface } from "./api/route.js";
import { agentConfigRoutes } from "./api/routes/agent-config.js";
import { agentPresharedKeyRoutes } from "./api/routes/agent-preshared-keys.js";
import { agentStatusRoutes } from "./api/routes/agent-status.js";
import { applyRoutes } from "./api/routes/apply.js";
import { auditRoutes } from "./api/routes/audit.js";
import { backupRoutes, registerBackupBodyParsers } from "./api/routes/backup.js";
import { deliveryHoldRoutes } from "./api/routes/delivery-holds.js";
import { enrollRoutes } from "./api/routes/enroll.js";
import { enrollmentRoutes } from "./api/routes/enrollments.js";
import { importRoutes } from "./api/routes/import.js";
import { joinTokenRoutes } from "./api/routes/join-tokens.js";
import { nodeCompiledRoutes } from "./api/routes/node-compiled.js";
import { nodeStatusRoutes } from "./api/routes/node-status.js";
import { overviewRoutes } from "./api/routes/overview.js";
import { resourceRoutes } from "./api/routes/resources.js";
import { secretRoutes } from "./api/routes/secrets.js";
import { sessionRoutes } from "./api/routes/session.js";
import { tokenRoutes } from "./api/routes/tokens.js";
import { userRoutes } from "./api/routes/users.js";
import { wgQuickRoutes } from "./api/routes/wg-quick.js";
import type { Services } from "./api/services.js";
import { authenticate, checkCsrf } from "./auth/authenticate.js";
import { authenticateNode } from "./auth/node-credentials.js";
import { allows, type Principal } from "./auth/principal.js";
import { hashSecret, safeEqualHex } from "./auth/secrets.js";
import { isDatabaseError } from "./db/errors.js";
import type { Db } from "./db/open.js";
import type { EnrollmentConfig } from "./enroll/config.js";
import { DomainError } from "./errors.js";
import { createMetrics, type Metrics } from "./metrics/metrics.js";
import { type Delivery, startDelivery } from "./notify/delivery.js";
import { IntentStore } from "./state/intent-store.js";
import { registerWebUi } from "./web-ui.js";

export const API_VERSION_STRING = "0.1.0";

/** See `AppOptions.metricsAccess`. */
export type MetricsAccess = "open" | "off" | { readonly token: string };

export interface AppOptions {
  readonly db: Db;
  readonly now?: () => Date;
  /** pino options or false; default: warnings and errors only. */
  readonly logger?: boolean | object;
  readonly metrics?: Metrics;
  readonly intent?: IntentStore;
  /** Shared by the listeners of one process; absent: the app starts its own and stops it on close. */
  readonly delivery?: Delivery;
  /** Which routes this listener serves (see `Surface`); default `api`. */
  readonly surface?: Surface;
  /** Enrollment settings (URLs, CA pin, limits); absent: no enrollment listener. */
  readonly enroll?: EnrollmentConfig;
  /** The built web UI (default `dist/web`); served on the `api` surface only. */
  readonly webDir?: string;
  /**
   * Who may read `/metrics` here: `open` (default; loopback listeners), `off` (404, as on a
   * listener facing the network), or only requests with `Authorization: Bearer TOKEN`.
   */
  readonly metricsAccess?: MetricsAccess;
  /** See `Services.backupKey`. */
  readonly backupKey?: Buffer;
  /** TLS for this listener (PEM). */
  readonly https?: { readonly cert: string; readonly key: string };
}

function zodIssues(error: z.ZodError, where: string): Issue[] {
  return error.issues.map((i) => ({
    code: "invalid-field" as const,
    kind: "Request",
    name: where,
    path: formatPath(i.path),
    message: i.message,
  }));
}

function parsePart<T>(schema: z.ZodType<T> | undefined, value: unknown, where: string): T {
  if (!schema) return value as T;
  const result = schema.safeParse(value ?? {});
  if (!result.success)
    throw new DomainError("bad-request", `invalid ${where}`, zodIssues(result.error, where));
  return result.data;
}

export function allRoutes(s: Services): AnyRoute[] {
  return [
    ...sessionRoutes(s),
    ...resourceRoutes(s),
    ...applyRoutes(s),
    ...auditRoutes(s),
    ...userRoutes(s),
    ...tokenRoutes(s),
    ...backupRoutes(s),
    ...secretRoutes(s),
    ...joinTokenRoutes(s),
    ...enrollmentRoutes(s),
    ...enrollRoutes(s),
    ...agentConfigRoutes(s),
    ...agentStatusRoutes(s),
    ...agentPresharedKeyRoutes(s),
    ...nodeStatusRoutes(s),
    ...overviewRoutes(s),
    ...wgQuickRoutes(s),
    ...nodeCompiledRoutes(s),
    ...importRoutes(s),
    ...deliveryHoldRoutes(s),
  ];
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { db } = options;
  const now = options.now ?? (() => new Date());
  const metrics = options.metrics ?? createMetrics(db);
  const intent = options.intent ?? new IntentStore(db, now);
  const app = Fastify({
    ...(options.https ? { https: { cert: options.https.cert, key: options.https.key } } : {}),
    logger: options.logger ?? { level: "warn" },
    // The enrollment listener faces the internet: its bodies are small JSON documents.
    bodyLimit: options.surface === "enroll" ? 64 * 1024 : 16 * 1024 * 1024,
    trustProxy: false,
    // Path parameters are checked by each route's schema, which names the field; Fastify's own
    // limit (100) would answer in its own format first. Node's header limit bounds the URL.
    routerOptions: { maxParamLength: 16 * 1024 },
  });
  const delivery = options.delivery ?? (await startDelivery(intent, db, { now, metrics, log: app.log }));
  // Held long polls would keep close() waiting up to a minute: answer them first.
  app.addHook("preClose", async () => delivery.notifier.releaseAll());
  if (!options.delivery) app.addHook("onClose", () => delivery.close());
  const services: Services = {
    db,
    intent,
    metrics,
    delivery,
    now,
    ...(options.enroll ? { enroll: options.enroll } : {}),
    ...(options.backupKey ? { backupKey: options.backupKey } : {}),
    actor: (principal: Principal, request: FastifyRequest) => ({
      actor: principal.actor,
      source: request.ip,
    }),
  };

  registerJsonParser(app);
  app.addContentTypeParser(YAML_TYPES, { parseAs: "string" }, (_req, body, done) => done(null, body));
  registerBackupBodyParsers(app);

  const surface = options.surface ?? "api";
  const routes = allRoutes(services).filter((r) => (r.surfaces ?? ["api"]).includes(surface));
  // Credentials, role and CSRF are checked on request arrival, before the body
  // is read: an unauthenticated caller never gets 16 MiB parsed.
  const principals = new WeakMap<FastifyRequest, Principal>();
  for (const r of routes) {
    if (!r.permission) throw new Error(`route ${r.method} ${r.path} declares no permission`);
    if (r.path.includes("/:") && !r.params)
      throw new Error(`route ${r.method} ${r.path} has no params schema`);
    const bodyLimit = r.bodyLimit ?? (r.permission === "public" ? PUBLIC_BODY_LIMIT : undefined);
    app.route({
      method: r.method,
      url: r.path,
      ...(bodyLimit !== undefined ? { bodyLimit } : {}),
      onRequest: async (request) => {
        if (r.permission === "public") {
          await r.beforeBody?.(request);
          return;
        }
        if (r.permission === "node") {
          principals.set(request, await authenticateNode(db, request));
        } else {
          const principal = await authenticate(db, request, now());
          if (!allows(principal.role, r.permission)) {
            throw new DomainError("forbidden", `role ${principal.role} may not do this`);
          }
          checkCsrf(principal, request);
          principals.set(request, principal);
        }
        await r.beforeBody?.(request);
      },
      handler: async (request, reply) => {
        const principal = principals.get(request);
        const type = mediaType(request);
        const json = type === "application/json";
        // Text from any parser but JSON's (YAML, text/plain) is only for routes that read YAML.
        if (typeof request.body === "string" && !json && !(r.yamlBody && YAML_TYPES.includes(type))) {
          throw new DomainError("unsupported-media-type", "this route takes application/json");
        }
        // A JSON string is not YAML text.
        if (typeof request.body === "string" && r.yamlBody && json) {
          throw new DomainError("bad-request", "invalid body", [
            {
              code: "invalid-field",
              kind: "Request",
              name: "body",
              path: "",
              message: "a JSON body must be an object, not a string",
            },
          ]);
        }
        const params = parsePart(r.params, request.params, "params");
        const query = parsePart(r.query, request.query, "query");
        const body = r.body ? parsePart(r.body, request.body, "body") : undefined;
        const result = await r.handler({
          params,
          query,
          body,
          principal: principal as Principal,
          request,
          reply,
        });
        return result === undefined ? reply.send() : result;
      },
    });
  }

  const ui = surface === "api" ? registerWebUi(app, options.webDir) : undefined;
  app.get("/healthz", async () => ({ status: "ok" }));
  // The API listeners' extras; the enrollment listener serves its routes and /healthz only.
  if (surface === "api") {
    const document = openApiDocument(routes, API_VERSION_STRING);
    app.get("/api/v1/openapi.json", async () => document);
    app.get("/readyz", async (_req, reply) => {
      try {
        await db.transaction(async (tx) => (await import("./db/repo-meta.js")).getRevision(tx));
        return { status: "ready" };
      } catch {
        metrics.databaseErrors.inc();
        reply.code(503);
        return { status: "database unreachable" };
      }
    });
  }
  if (surface === "api" || surface === "metrics")
    registerMetrics(app, metrics, options.metricsAccess ?? "open");

  // No route: answered before any body is read, so an unknown URL costs no parsing. (GET and
  // HEAD carry no body and may be the UI's client routes.)
  app.addHook("onRequest", async (request) => {
    if (request.is404 && request.method !== "GET" && request.method !== "HEAD") {
      throw new DomainError("not-found", "no such route");
    }
  });

  app.addHook("onResponse", async (request, reply) => {
    const routePattern = request.routeOptions.url ?? "unmatched";
    metrics.httpRequests.inc({
      method: request.method,
      route: routePattern,
      status: String(reply.statusCode),
    });
    metrics.httpDuration.observe({ method: request.method, route: routePattern }, reply.elapsedTime / 1000);
  });

  app.setNotFoundHandler(async (request, reply) => {
    if (ui && (await ui(request, reply))) return;
    sendError(reply, new DomainError("not-found", "no such route"));
  });

  app.setErrorHandler(async (error, request, reply) => {
    if (error instanceof DomainError) return sendError(reply, error);
    const known = knownError(error);
    if (known) return sendError(reply, known);
    if (isDatabaseError(error)) metrics.databaseErrors.inc();
    request.log.error({ err: error, route: request.routeOptions.url }, "request failed");
    return sendError(reply, new DomainError("internal", "internal error"));
  });

  return app;
}

/** `/metrics` as `access` allows: node names, networks and roles are not for everyone who can connect. */
function registerMetrics(app: FastifyInstance, metrics: Metrics, access: MetricsAccess): void {
  if (access === "off") return; // the not-found handler answers
  const expected = typeof access === "object" ? hashSecret(access.token) : undefined;
  app.get("/metrics", async (request, reply) => {
    if (expected !== undefined) {
      const given = /^Bearer (\S+)$/.exec(request.headers.authorization ?? "")?.[1];
      if (given === undefined || !safeEqualHex(expected, hashSecret(given))) {
        throw new DomainError("unauthenticated", "missing or invalid credentials");
      }
    }
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}

const YAML_TYPES = ["application/yaml", "application/x-yaml", "text/yaml"];

/** The request's media type, lower case, without parameters. */
function mediaType(request: FastifyRequest): string {
  return (request.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
}

/** Fastify's own refusals (body, media type, method, URL) in the API's error format. */
function knownError(error: unknown): DomainError | undefined {
  const fastifyCode = (error as { code?: string }).code ?? "";
  const mapped: Record<string, () => DomainError> = {
    FST_ERR_CTP_BODY_TOO_LARGE: () => new DomainError("payload-too-large", "the body is too large"),
    FST_ERR_CTP_INVALID_MEDIA_TYPE: () =>
      new DomainError("unsupported-media-type", "send application/json or application/yaml"),
    FST_ERR_CTP_EMPTY_JSON_BODY: () => new DomainError("bad-request", "the JSON body is empty"),
    FST_ERR_CTP_INVALID_JSON_BODY: () => new DomainError("bad-request", "the body is not valid JSON"),
    FST_ERR_ROUTE_MISSING_CONTENT_TYPE: () =>
      new DomainError("bad-request", "a request with a body needs a Content-Type header"),
  };
  const made = mapped[fastifyCode]?.();
  if (made) return made;
  if (error instanceof SyntaxError) return new DomainError("bad-request", "the body is not valid JSON");
  // Any other refusal Fastify makes itself (a 4xx with its code) is the request's fault.
  const status = (error as { statusCode?: unknown }).statusCode;
  if (typeof status === "number" && status >= 400 && status < 500) {
    return new DomainError(codeForStatus(status), (error as Error).message);
  }
  return undefined;
}
