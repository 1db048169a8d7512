/**
 * Starting the controller: open the database (migrating it), make sure there
 * is exactly one first admin, load or create TLS material, and listen on each
 * address — plain HTTP on loopback only, TLS everywhere else.
 */
import { writeFile } from "node:fs/promises";
import { isIP } from "node:net";
import { hostname } from "node:os";
import { join } from "node:path";
import type { Server as TlsServer } from "node:tls";
import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import { buildApp } from "./app.js";
import { hashPassword, newSecret } from "./auth/secrets.js";
import { openDatabase } from "./db/open.js";
import { createFirstAdminIfNone } from "./db/repo-users.js";
import { type EnrollmentConfig, enrollmentConfig } from "./enroll/config.js";
import { enrollmentHousekeeping } from "./enroll/housekeeping.js";
import { controllerIdentity } from "./enroll/identity.js";
import type { GuardPolicy } from "./guard/blast-radius.js";
import { prettyStream } from "./log/pretty-log.js";
import { createMetrics } from "./metrics/metrics.js";
import { type Delivery, startDelivery } from "./notify/delivery.js";
import { IntentStore } from "./state/intent-store.js";
import { ensureTls, formatFingerprint } from "./tls/index.js";

export interface ControllerOptions {
  readonly listen: readonly string[];
  readonly dataDir: string;
  readonly databaseUrl?: string;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly logLevel?: string;
  /** `pretty`: one short line per event and per request (pretty-log.ts); `json` (default): pino's JSON lines. */
  readonly logFormat?: "json" | "pretty";
  /** `ADDR:PORT` of the enrollment listener (TLS, enrollment routes only); absent: off. */
  readonly enrollListen?: string;
  /** Enrollment limits (skew, rate limits); defaults otherwise. */
  readonly enrollLimits?: Partial<
    Pick<EnrollmentConfig, "skewMs" | "perAddress" | "perToken" | "windowMs" | "rotationGraceMs">
  >;
  /** The blast-radius guard's thresholds; default DEFAULT_GUARD_POLICY. */
  readonly guard?: GuardPolicy;
  /**
   * `ADDR:PORT` of a listener serving only `/metrics` and `/healthz` (TLS unless loopback), for
   * scrapers elsewhere; absent: metrics are served on the loopback `--listen` addresses only.
   */
  readonly metricsListen?: string;
  /**
   * A bearer token scrapers present: with it, `/metrics` is also served on the non-loopback
   * listeners (and the metrics listener), to requests that carry it.
   */
  readonly metricsToken?: string;
  /** The operator's backup key (see `Services.backupKey`); absent: backups are not sealed. */
  readonly backupKey?: Buffer;
  /** Where start-up messages go (the admin password, addresses, CA fingerprint). */
  readonly print: (line: string) => void;
}

export interface RunningController {
  readonly urls: readonly string[];
  /** The enrollment listener's URL, when it runs. */
  readonly enrollUrl?: string;
  /**
   * Re-checks the TLS material as of `now` (re-issuing a server certificate
   * that expires within 30 days) and swaps a new one into the running
   * listeners; true when it did. Runs by itself twice a day.
   */
  renewTls(now?: Date): Promise<boolean>;
  close(): Promise<void>;
}

/** How often enrollments are checked for expiry and old nonces forgotten. */
const EXPIRE_EVERY_MS = 60_000;

/** The URL agents use for a listener bound to `host` (a wildcard bind is reached by this machine's name). */
function urlFor(host: string, port: number): string {
  const name = host === "0.0.0.0" || host === "::" ? hostname() : host;
  return `https://${name.includes(":") ? `[${name}]` : name}:${port}`;
}

/** How often the running controller re-checks its server certificate. */
const TLS_RENEW_EVERY_MS = 12 * 3600_000;

/** `127.0.0.1:7070`, `[::1]:7070`, `localhost:7070` → host and port; throws a clear error otherwise. */
export function parseListen(text: string): { host: string; port: number; loopback: boolean } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port < 1 || port > 65535) throw new Error(`--listen ${JSON.stringify(text)} is not ADDRESS:PORT`);
  const host = (m[1] ?? m[2])!;
  if (host !== "localhost" && isIP(host) === 0 && !/^[A-Za-z0-9.-]+$/.test(host)) {
    throw new Error(`--listen ${JSON.stringify(text)}: ${host} is not an address`);
  }
  const loopback = host === "localhost" || host === "::1" || /^127\./.test(host);
  return { host, port, loopback };
}

async function firstAdmin(
  options: ControllerOptions,
  db: Awaited<ReturnType<typeof openDatabase>>,
): Promise<void> {
  const given = process.env.HUBWIRE_ADMIN_PASSWORD;
  if (given !== undefined && given.length < 12)
    throw new Error("HUBWIRE_ADMIN_PASSWORD must be at least 12 characters");
  const password = given ?? newSecret(18);
  const now = new Date().toISOString();
  const created = await db.transaction(async (tx) =>
    createFirstAdminIfNone(tx, {
      id: crypto.randomUUID(),
      name: "admin",
      role: "admin",
      password_hash: await hashPassword(password),
      disabled: false,
      language: "en",
      created_at: now,
      updated_at: now,
    }),
  );
  if (!created || given !== undefined) return;
  const file = join(options.dataDir, "initial-admin-password");
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  options.print(`created user admin with password ${password} (also in ${file}; change it after logging in)`);
}

export async function startController(options: ControllerOptions): Promise<RunningController> {
  const listeners = options.listen.map(parseListen);
  const enrollAt = options.enrollListen !== undefined ? parseListen(options.enrollListen) : undefined;
  const metricsAt = options.metricsListen !== undefined ? parseListen(options.metricsListen) : undefined;
  const token = options.metricsToken;
  if (token !== undefined && !/^[\x21-\x7e]{16,256}$/.test(token))
    throw new Error("the metrics token must be 16 to 256 printable characters without spaces");
  const db = await openDatabase({ databaseUrl: options.databaseUrl, dataDir: options.dataDir });
  const apps: FastifyInstance[] = [];
  let delivery: Delivery | undefined;
  try {
    await firstAdmin(options, db);
    const needsTls =
      listeners.some((l) => !l.loopback) ||
      options.tlsCert !== undefined ||
      !!enrollAt ||
      (metricsAt !== undefined && !metricsAt.loopback);
    const tlsOptions = {
      dataDir: options.dataDir,
      certFile: options.tlsCert,
      keyFile: options.tlsKey,
      // The enrollment address too: the server certificate must name it.
      hostnames: [...listeners, ...(enrollAt ? [enrollAt] : []), ...(metricsAt ? [metricsAt] : [])]
        .map((l) => l.host)
        .filter((h) => h !== "0.0.0.0" && h !== "::"),
    };
    let tls = needsTls ? await ensureTls(tlsOptions) : undefined;
    const secureApps: FastifyInstance[] = [];
    const metrics = createMetrics(db);
    const intent = new IntentStore(db);
    await intent.current(); // compile the stored intent once before serving
    const enroll =
      enrollAt && tls
        ? enrollmentConfig({
            urls: [urlFor(enrollAt.host, enrollAt.port)],
            caSha256: tls.caFingerprint,
            caPem: tls.caCert,
            ...options.enrollLimits,
          })
        : undefined;
    if (enroll) await controllerIdentity(db);
    // Successful reads are logged on a terminal only at debug and below (the UI polls).
    const level = options.logLevel ?? "info";
    const stream =
      options.logFormat === "pretty"
        ? prettyStream(process.stdout, !["debug", "trace"].includes(level))
        : undefined;
    const log = stream
      ? pino({ level: options.logLevel ?? "info" }, stream)
      : pino({ level: options.logLevel ?? "info" });
    const logger = { level: options.logLevel ?? "info", ...(stream ? { stream } : {}) };
    delivery = await startDelivery(intent, db, {
      now: () => new Date(),
      metrics,
      log,
      ...(options.guard ? { guard: options.guard } : {}),
    });
    const urls: string[] = [];
    for (const l of listeners) {
      const secure = !l.loopback || options.tlsCert !== undefined;
      const app = await buildApp({
        db,
        metrics,
        intent,
        delivery,
        logger,
        ...(enroll ? { enroll } : {}),
        ...(options.backupKey ? { backupKey: options.backupKey } : {}),
        ...(secure && tls ? { https: { cert: tls.cert, key: tls.key } } : {}),
        // Metrics name nodes, networks and roles: open on loopback, else only with the token.
        metricsAccess: l.loopback ? "open" : token !== undefined ? { token } : "off",
      });
      apps.push(app);
      if (secure && tls) secureApps.push(app);
      await app.listen({ host: l.host, port: l.port });
      const host = l.host.includes(":") ? `[${l.host}]` : l.host;
      urls.push(`${secure ? "https" : "http"}://${host}:${l.port}`);
    }
    let enrollUrl: string | undefined;
    if (enrollAt && enroll && tls) {
      const app = await buildApp({
        db,
        metrics,
        intent,
        delivery,
        surface: "enroll",
        enroll,
        logger,
        https: { cert: tls.cert, key: tls.key },
      });
      apps.push(app);
      secureApps.push(app);
      await app.listen({ host: enrollAt.host, port: enrollAt.port });
      enrollUrl = enroll.urls[0];
      options.print(`enrollment listener on ${enrollUrl}`);
    }
    if (metricsAt) {
      const secure = !metricsAt.loopback;
      const app = await buildApp({
        db,
        metrics,
        intent,
        delivery,
        surface: "metrics",
        logger: { level: options.logLevel ?? "info" },
        metricsAccess: token !== undefined ? { token } : "open",
        ...(secure && tls ? { https: { cert: tls.cert, key: tls.key } } : {}),
      });
      apps.push(app);
      if (secure) secureApps.push(app);
      await app.listen({ host: metricsAt.host, port: metricsAt.port });
      const host = metricsAt.host.includes(":") ? `[${metricsAt.host}]` : metricsAt.host;
      options.print(`metrics listener on ${secure ? "https" : "http"}://${host}:${metricsAt.port}/metrics`);
    }
    options.print(`hubwire controller listening on ${urls.join(", ")} (database: ${db.dialect})`);
    if (tls) options.print(`controller CA SHA-256 fingerprint: ${formatFingerprint(tls.caFingerprint)}`);
    const renewTls = async (now = new Date()): Promise<boolean> => {
      if (!tls) return false;
      const fresh = await ensureTls({ ...tlsOptions, now });
      if (fresh.cert === tls.cert && fresh.key === tls.key) return false;
      for (const app of secureApps)
        (app.server as unknown as TlsServer).setSecureContext({ cert: fresh.cert, key: fresh.key });
      tls = fresh;
      options.print("controller server certificate renewed");
      return true;
    };
    const timer = setInterval(() => {
      renewTls().catch((error: Error) =>
        options.print(`could not renew the server certificate: ${error.message}`),
      );
    }, TLS_RENEW_EVERY_MS);
    timer.unref();
    const expiry = setInterval(() => {
      if (!enroll) return;
      enrollmentHousekeeping({ db, intent, config: enroll, now: () => new Date() }).catch((error: Error) =>
        options.print(`enrollment housekeeping failed: ${error.message}`),
      );
    }, EXPIRE_EVERY_MS);
    expiry.unref();
    return {
      urls,
      ...(enrollUrl ? { enrollUrl } : {}),
      renewTls,
      async close() {
        clearInterval(timer);
        clearInterval(expiry);
        for (const app of apps) await app.close();
        await delivery?.close();
        await db.close();
      },
    };
  } catch (error) {
    for (const app of apps) await app.close();
    await delivery?.close();
    await db.close();
    throw error;
  }
}
