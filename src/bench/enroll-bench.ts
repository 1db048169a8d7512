/**
 * `npm run bench:enroll` (part of `npm run bench`): enrollment under load, end to end. For SQLite
 * and then PostgreSQL (a fresh database per round; skipped with a note when unreachable), each
 * round starts the real controller binary with `--enroll-listen` (rate limits off), seeds network
 * `wan` with 2 hubs and an `approval: auto` policy, creates one reusable join token through the
 * API, and has `BENCH_ENROLL_CLIENTS` (default 100) concurrent clients enroll
 * `BENCH_ENROLLMENTS` nodes (default 1,000) with the agent's own client: a new pinned TLS
 * connection per enrollment, signed request, proof of possession; each answer is an approved node
 * with its credential (token use, allocation and node creation in one transaction).
 *
 * Reports enrollments per second (wall time) and p50 / p99 latency, medians over `BENCH_ROUNDS`
 * rounds (default 3), the controller's CPU time per enrollment (user + system, read from /proc:
 * what the controller costs, whatever else the machine runs) and its peak RSS. Clients and
 * controller share the machine.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { enroll } from "../agent/client/enroll.js";
import { generatePrivateKey } from "../keys/wgkeys.js";
import { buildIntent } from "../testing/topology.js";
import {
  adminToken,
  type ControllerProcess,
  freePort,
  request,
  startControllerProcess,
} from "./api-controller.js";
import { fmt, median, peakRssMB, quantile, runRounds } from "./rounds.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ENROLLMENTS = Number(process.env.BENCH_ENROLLMENTS ?? 1000);
const CLIENTS = Number(process.env.BENCH_ENROLL_CLIENTS ?? 100);
const DATABASES = (process.env.BENCH_ENROLL_DATABASES ?? "sqlite,postgres").split(",");
const PASSWORD = "bench-admin-password";

const POLICY = {
  apiVersion: "hubwire/v1",
  kind: "EnrollmentPolicy",
  metadata: { name: "bench" },
  spec: {
    network: "wan",
    role: "spoke",
    nodeNames: ["bench-*"],
    tunnelAddressPrefixes: ["10.0.128.0/17"],
    hubs: ["hub-0", "hub-1"],
    labels: { tier: "branch" },
    approval: "auto",
  },
};

interface RoundResult {
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  readonly failures: Record<string, number>;
  readonly rssMB: number;
  readonly cpuMs: number;
}

/** CPU time (user + system) process `pid` used so far, in milliseconds; NaN off Linux. */
async function cpuTimeMs(pid: number | undefined): Promise<number> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces), from field 3: utime is 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return Number.NaN;
  }
}

async function round(databaseUrl: string | undefined): Promise<RoundResult> {
  const dataDir = await mkdtemp(join(tmpdir(), "hubwire-bench-enroll-"));
  let controller: ControllerProcess | undefined;
  try {
    const enrollPort = await freePort();
    controller = await startControllerProcess({
      dataDir,
      databaseUrl,
      adminPassword: PASSWORD,
      extraArgs: ["--enroll-listen", `127.0.0.1:${enrollPort}`, "--enroll-rate-limit", "0"],
    });
    const url = controller.url;
    const token = await adminToken(url, PASSWORD);
    const seeded = await request(url, "POST", "/api/v1/apply", {
      token,
      body: { items: [...buildIntent({ spokes: 0, hubs: 2 }).resources, POLICY] },
    });
    if (seeded.status !== 200) throw new Error(`seeding failed: ${seeded.status} ${seeded.body}`);
    const created = await request(url, "POST", "/api/v1/join-tokens", { token, body: { policy: "bench" } });
    if (created.status !== 201) throw new Error(`token creation failed: ${created.status} ${created.body}`);
    const joinToken = created.json<{ token: string }>().token;
    const keys = Array.from({ length: ENROLLMENTS }, () => generatePrivateKey());

    const latencies: number[] = [];
    const failures: Record<string, number> = {};
    let next = 0;
    const cpuBefore = await cpuTimeMs(controller.child.pid);
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        for (let i = next++; i < ENROLLMENTS; i = next++) {
          const t = performance.now();
          let outcome: string;
          try {
            const r = await enroll({
              token: joinToken,
              nodeName: `bench-${i}`,
              privateKey: keys[i]!,
              request: {},
            });
            outcome = r.state === "Approved" && r.credential ? "ok" : `${r.state}: ${r.reason}`;
          } catch (error) {
            outcome = (error as Error).message.slice(0, 120);
          }
          latencies.push(performance.now() - t);
          if (outcome !== "ok") failures[outcome] = (failures[outcome] ?? 0) + 1;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const cpuMs = (await cpuTimeMs(controller.child.pid)) - cpuBefore;
    latencies.sort((a, b) => a - b);
    const nodes = await request(url, "GET", "/api/v1/nodes?label=tier%3Dbranch&limit=1000", { token });
    const errors = Object.values(failures).reduce((a, b) => a + b, 0);
    const count = nodes.json<{ items: unknown[] }>().items.length;
    if (ENROLLMENTS <= 1000 && count !== ENROLLMENTS - errors) {
      throw new Error(`expected ${ENROLLMENTS - errors} enrolled nodes, found ${count}`);
    }
    return {
      perSecond: ENROLLMENTS / seconds,
      p50: quantile(latencies, 0.5),
      p99: quantile(latencies, 0.99),
      errors,
      failures,
      rssMB: await peakRssMB(controller.child.pid),
      cpuMs: cpuMs / ENROLLMENTS,
    };
  } finally {
    await controller?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  console.log(
    `\nEnrollment benchmark: ${CLIENTS} concurrent clients, ${ENROLLMENTS} auto-approved enrollments per round ` +
      `(agent client: pinned TLS, HMAC, proof of possession); medians of ${ROUNDS} rounds (node ${process.version})\n`,
  );
  console.log(
    "| database | enrollments | enrollments/s | p50 ms | p99 ms | errors | controller CPU ms / enrollment | controller max RSS MB |",
  );
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
  const notes: string[] = [];
  for (const backend of ["sqlite", "postgres"] as const) {
    if (!DATABASES.includes(backend)) continue;
    const rounds = await runRounds(backend, ROUNDS, 8, round);
    if (rounds.length === 0) continue;
    const m = (k: "perSecond" | "p50" | "p99" | "rssMB" | "cpuMs") => median(rounds.map((r) => r[k]));
    const errors = rounds.reduce((n, r) => n + r.errors, 0);
    for (const r of rounds)
      for (const [what, n] of Object.entries(r.failures)) notes.push(`${backend}: ${n} × ${what}`);
    console.log(
      `| ${backend} | ${ENROLLMENTS} | ${fmt(m("perSecond"))} | ${fmt(m("p50"), 1)} | ${fmt(m("p99"), 1)} | ${errors} | ${fmt(m("cpuMs"), 2)} | ${fmt(m("rssMB"))} |`,
    );
  }
  if (notes.length) console.log(`\nerrors (all rounds): ${notes.join("; ")}`);
}

await main();
