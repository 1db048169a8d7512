/**
 * Prometheus metrics. Counts come from the database at scrape time, so every
 * replica reports the same numbers whichever one Prometheus asks.
 */
import { sql } from "kysely";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { Db } from "../db/open.js";
import { getRevision } from "../db/repo-meta.js";
import { registerStatusMetrics } from "../status/metrics.js";

export interface Metrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<"method" | "route" | "status">;
  readonly httpDuration: Histogram<"method" | "route">;
  readonly databaseErrors: Counter;
  readonly logins: Counter<"result">;
  /**
   * Join requests answered by this replica: `result` is the answer's state (Pending, Approved) or
   * `refused` (then `reason` is the refusal's code, else "") or `rate-limited`.
   */
  readonly enrollRequests: Counter<"result" | "reason">;
  /** Agent long polls held now (this replica). */
  readonly longPolls: Gauge;
  /** Seconds from a node's new revision to its report of having applied it. */
  readonly propagation: Histogram;
}

export function createMetrics(db: Db): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "hubwire_controller_" });
  // Gauges whose names end in _total break Prometheus naming rules (promtool
  // rejects them); the per-type nodejs_active_* gauges carry the same numbers.
  for (const name of ["handles", "requests", "resources"]) {
    registry.removeSingleMetric(`hubwire_controller_nodejs_active_${name}_total`);
  }
  const httpRequests = new Counter({
    name: "hubwire_http_requests_total",
    help: "API requests by method, route pattern and status",
    labelNames: ["method", "route", "status"] as const,
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: "hubwire_http_request_duration_seconds",
    help: "API request latency by method and route pattern",
    labelNames: ["method", "route"] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const databaseErrors = new Counter({
    name: "hubwire_database_errors_total",
    help: "Database operations that failed for a reason other than invalid input",
    registers: [registry],
  });
  const logins = new Counter({
    name: "hubwire_logins_total",
    help: "Login attempts by result",
    labelNames: ["result"] as const,
    registers: [registry],
  });
  const enrollRequests = new Counter({
    name: "hubwire_enrollment_requests_total",
    help: "Join requests answered by this replica, by result (Pending, Approved, refused, rate-limited) and refusal reason",
    labelNames: ["result", "reason"] as const,
    registers: [registry],
  });
  new Gauge({
    name: "hubwire_nodes",
    help: "Nodes declared in the intent, by network and role",
    labelNames: ["network", "role"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await sql<{ network: string | null; role: string | null; n: number | string }>`
        select network, role, count(*) as n from resources where kind = 'Node' group by network, role`.execute(
        db.kysely,
      );
      for (const r of rows.rows) this.set({ network: r.network ?? "", role: r.role ?? "" }, Number(r.n));
    },
  });
  new Gauge({
    name: "hubwire_enrollments",
    help: "Enrollments by state",
    labelNames: ["state"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await sql<{ state: string | null; n: number | string }>`
        select state, count(*) as n from resources where kind = 'Enrollment' group by state`.execute(
        db.kysely,
      );
      for (const r of rows.rows) this.set({ state: r.state ?? "Pending" }, Number(r.n));
    },
  });
  new Gauge({
    name: "hubwire_config_revision",
    help: "Revision of the intent (increases with every change)",
    registers: [registry],
    async collect() {
      this.set(await db.transaction((tx) => getRevision(tx)));
    },
  });
  new Gauge({
    name: "hubwire_delivery_held",
    help: "1 for each hub whose newer desired state the blast-radius guard holds for an operator's confirmation",
    labelNames: ["node"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await db.kysely.selectFrom("delivery_holds").select("node").execute();
      for (const r of rows) this.set({ node: r.node }, 1);
    },
  });
  new Gauge({
    name: "hubwire_delivery_held_removed_peers",
    help: "Peers a held hub revision would remove at once (blast-radius guard)",
    labelNames: ["node"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await db.kysely.selectFrom("delivery_holds").select(["node", "removed"]).execute();
      for (const r of rows) this.set({ node: r.node }, Number(r.removed));
    },
  });
  const longPolls = new Gauge({
    name: "hubwire_agent_long_polls",
    help: "Agent config long polls held open by this replica",
    registers: [registry],
  });
  const propagation = new Histogram({
    name: "hubwire_config_propagation_seconds",
    help: "Time from a node's desired state changing (commit, or this replica learning of it) to the node reporting it applied",
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
    registers: [registry],
  });
  registerStatusMetrics(registry, db);
  return {
    registry,
    httpRequests,
    httpDuration,
    databaseErrors,
    logins,
    enrollRequests,
    longPolls,
    propagation,
  };
}
