/**
 * `npm run bench:api`: the controller's REST API under load, end to end. For SQLite and then
 * PostgreSQL (a fresh database per round on the server at `HUBWIRE_BENCH_DATABASE_URL`, default
 * postgres://postgres@127.0.0.1:5432/test; skipped with a note when unreachable), each round
 * starts the real controller binary, seeds network `wan` with 2 hubs, and runs 50 concurrent
 * clients over keep-alive connections through three phases:
 *
 * - writes: creating spokes (`POST /api/v1/nodes`, tunnel addresses given, so the incremental
 *   compiler checks each one), `BENCH_API_WRITES` requests (default 2,000);
 * - bulk: one `POST /api/v1/apply` of `BENCH_API_BULK` new spokes (default 1,000): its latency;
 * - list: `GET /api/v1/nodes?limit=100`, `BENCH_API_READS` requests (default 10,000);
 * - get: `GET /api/v1/nodes/NAME` of a random spoke, `BENCH_API_READS` requests.
 *
 * Each phase reports throughput (requests / wall time) and p50 / p99 latency; the table shows the
 * median over `BENCH_ROUNDS` rounds (default 3), plus the controller's peak RSS; errors are the
 * non-2xx answers of all rounds, listed by status under the table. `BENCH_API_DATABASES`
 * (default `sqlite,postgres`) and `BENCH_API_CLIENTS` (default 50) change the set-up. The clients
 * run in this process, the controller in its own; on a small machine they share the cores.
 */
import { mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildIntent, spokeNode } from "../testing/topology.js";
import { adminToken, type ControllerProcess, request, startControllerProcess } from "./api-controller.js";
import { fmt, median, peakRssMB, quantile, runRounds } from "./rounds.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WRITES = Number(process.env.BENCH_API_WRITES ?? 2000);
const READS = Number(process.env.BENCH_API_READS ?? 10_000);
const CLIENTS = Number(process.env.BENCH_API_CLIENTS ?? 50);
/** Spokes in the one bulk `apply` after the writes phase. */
const BULK = Number(process.env.BENCH_API_BULK ?? 1000);
const PASSWORD = "bench-admin-password";
const DATABASES = (process.env.BENCH_API_DATABASES ?? "sqlite,postgres").split(",");

/** One phase of one round. */
interface PhaseResult {
  readonly requests: number;
  readonly errors: number;
  /** Non-2xx answers by status. */
  readonly statuses: Readonly<Record<number, number>>;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
}

type Phase = "writes" | "bulk" | "list" | "get";
const PHASES: Record<Phase, string> = {
  writes: "POST /nodes (create spoke)",
  bulk: `POST /apply (${BULK} new spokes in one request; ms = its time)`,
  list: "GET /nodes?limit=100",
  get: "GET /nodes/NAME",
};

/**
 * Runs `count` requests from `CLIENTS` concurrent clients; `make(i)` sends request `i` and
 * resolves with its status.
 */
async function phase(count: number, make: (i: number) => Promise<number>): Promise<PhaseResult> {
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  const statuses: Record<number, number> = {};
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      for (let i = next++; i < count; i = next++) {
        const t = performance.now();
        const status = await make(i);
        latencies.push(performance.now() - t);
        if (status < 200 || status >= 300) {
          errors++;
          statuses[status] = (statuses[status] ?? 0) + 1;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    requests: count,
    errors,
    statuses,
    perSecond: count / seconds,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
  };
}

async function round(
  databaseUrl: string | undefined,
): Promise<Record<Phase, PhaseResult> & { rssMB: number }> {
  const dataDir = await mkdtemp(join(tmpdir(), "hubwire-bench-api-"));
  let controller: ControllerProcess | undefined;
  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
  try {
    controller = await startControllerProcess({ dataDir, databaseUrl, adminPassword: PASSWORD });
    const url = controller.url;
    const token = await adminToken(url, PASSWORD);
    const seeded = await request(url, "POST", "/api/v1/apply", {
      token,
      body: { items: buildIntent({ spokes: 0, hubs: 2 }).resources },
      agent,
    });
    if (seeded.status !== 200) throw new Error(`seeding failed: ${seeded.status} ${seeded.body}`);
    const bodies = Array.from({ length: WRITES }, (_, i) => Buffer.from(JSON.stringify(spokeNode(i, 2))));
    const writes = await phase(WRITES, async (i) => {
      return (await request(url, "POST", "/api/v1/nodes", { token, body: bodies[i], agent })).status;
    });
    const bulkBody = Buffer.from(
      JSON.stringify({ items: Array.from({ length: BULK }, (_, i) => spokeNode(WRITES + i, 2)) }),
    );
    const bulk = await phase(1, async () => {
      return (await request(url, "POST", "/api/v1/apply", { token, body: bulkBody, agent })).status;
    });
    const list = await phase(READS, async () => {
      return (await request(url, "GET", "/api/v1/nodes?limit=100", { token, agent })).status;
    });
    const get = await phase(READS, async () => {
      const name = `spoke-${Math.floor(Math.random() * WRITES)}`;
      return (await request(url, "GET", `/api/v1/nodes/${name}`, { token, agent })).status;
    });
    const rssMB = await peakRssMB(controller.child.pid);
    return { writes, bulk, list, get, rssMB };
  } finally {
    agent.destroy();
    await controller?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  console.log(
    `API benchmark: ${CLIENTS} concurrent keep-alive clients; ${WRITES} writes, ${READS} list and ${READS} get ` +
      `requests per round; medians of ${ROUNDS} rounds (node ${process.version})\n`,
  );
  console.log(
    "| database | operation | requests | req/s | p50 ms | p99 ms | errors | controller max RSS MB |",
  );
  console.log("|---|---|---:|---:|---:|---:|---:|---:|");
  const notes: string[] = [];
  for (const backend of ["sqlite", "postgres"] as const) {
    if (!DATABASES.includes(backend)) continue;
    const rounds = await runRounds(backend, ROUNDS, 8, round);
    if (rounds.length === 0) continue;
    const rss = median(rounds.map((r) => r.rssMB));
    for (const p of Object.keys(PHASES) as Phase[]) {
      const m = (k: "requests" | "perSecond" | "p50" | "p99") => median(rounds.map((r) => r[p][k]));
      const errors = rounds.reduce((n, r) => n + r[p].errors, 0);
      const statuses: Record<string, number> = {};
      for (const r of rounds) {
        for (const [code, n] of Object.entries(r[p].statuses)) statuses[code] = (statuses[code] ?? 0) + n;
      }
      if (errors) {
        notes.push(
          `${backend}, ${PHASES[p]}: ${Object.entries(statuses)
            .map(([code, n]) => `${n} × HTTP ${code}`)
            .join(", ")} over ${rounds.length} rounds`,
        );
      }
      console.log(
        `| ${backend} | ${PHASES[p]} | ${m("requests")} | ${fmt(m("perSecond"))} | ${fmt(m("p50"), 1)} | ${fmt(m("p99"), 1)} | ${errors} | ${p === "writes" ? fmt(rss) : ""} |`,
      );
    }
  }
  if (notes.length) console.log(`\nerrors (all rounds): ${notes.join("; ")}`);
}

await main();
