/**
 * `npm run bench:propagation` (part of `npm run bench`): issue 5's benchmark (a) and issue 12's
 * delivery figures. Each round starts the real controller binary on SQLite, applies a network
 * with 2 hubs and `BENCH_AGENTS - 2` spokes (default 10,000 nodes in all), issues every node its
 * credential, and forks two processes of simulated agents (propagation-agents.ts: a real
 * `ConfigClient` and connection per node, no WireGuard), one for the hubs and one for the spokes,
 * as hubs are machines of their own. Once the controller holds a long poll
 * for every node: (a) one change that affects all of them is applied (the network's persistent
 * keepalive), and the time from sending that request until each agent has the new revision is
 * measured (p50 / p99 / max); (b) `BENCH_SPOKE_CHANGES` (default 100: the p99 of their 300
 * arrivals is not simply the slowest) changes of one spoke's tunnel address, one after another,
 * each timed until the nodes it affects (the spoke and its hubs) have it, all arrival times pooled; the controller's peak RSS (VmHWM in /proc/PID/status) over the whole
 * round. Then every agent sends one status report, and the UI's status reads are timed over all
 * nodes. Medians over `BENCH_ROUNDS` rounds (default 3).
 *
 * The bench raises its own open-file limit (fd-limit.ts; children inherit it): each agent holds
 * up to two connections, whose ends are in the two processes. `BENCH_CPU_PROF=DIR` runs the
 * controller under `node --cpu-prof`, writing one `.cpuprofile` per round into DIR when it stops.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { issueNodeCredential } from "../controller/auth/node-credentials.js";
import { openDatabase } from "../controller/db/open.js";
import type { Resource } from "../model/index.js";
import { buildIntent, spokeNode } from "../testing/topology.js";
import { AgentsProcess } from "./agents-process.js";
import { adminToken, request, startControllerProcess } from "./api-controller.js";
import { ensureOpenFiles } from "./fd-limit.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const AGENTS = Number(process.env.BENCH_AGENTS ?? 10_000);
const SPOKE_CHANGES = Number(process.env.BENCH_SPOKE_CHANGES ?? 100);
const CPU_PROF = process.env.BENCH_CPU_PROF;
/** Open files each process needs besides the agents' connections (database, logs, the bench's own). */
const FD_SLACK = 2_000;
/** Resources per apply request while setting up (the API's limit is 5,000). */
const APPLY_CHUNK = 4_000;
/**
 * How many agents send status reports: all, unless the open-file limit (which a process without
 * CAP_SYS_RESOURCE cannot raise past its hard limit) leaves no room for a second connection each.
 */
let reporters = AGENTS;
const HUBS = 2;
const PASSWORD = "bench-admin-password";

interface Round {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly applyMs: number;
  /** CPU the controller spent from the change until every agent had it (compile, commit, 5,000 answers), ms. */
  readonly changeCpuMs: number;
  /** One-spoke changes: arrival at each affected node, pooled over the changes, ms. */
  readonly spokeP50: number;
  readonly spokeP99: number;
  readonly spokeMax: number;
  /** The five slowest arrivals of the one-spoke changes, ms. */
  readonly spokeSlowest: number[];
  /** Controller CPU per one-spoke change (commit, compile, the guard, answers, the bench's own requests), ms. */
  readonly spokeCpuMs: number;
  /** Nodes one spoke change affected (the median change). */
  readonly spokeAffected: number;
  readonly connectS: number;
  readonly peakRssMB: number;
  /** Every agent sending its first status report (new connections, online transitions), s. */
  readonly firstReportAllS: number;
  /** Every agent sending one more report (steady state), s. */
  readonly reportAllS: number;
  /** Median latency of the UI's reads afterwards, ms. */
  readonly listMs: number;
  readonly listOfflineMs: number;
  readonly overviewMs: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

async function peakRssMB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1]);
  return kb / 1024;
}

/** CPU time (user + system) the process has used so far, ms. */
async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which is in parentheses and may hold spaces): utime is 14th, stime 15th.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // USER_HZ is 100 on Linux
}

async function longPolls(url: string): Promise<number> {
  const r = await request(url, "GET", "/metrics");
  return Number(/^hubwire_agent_long_polls (\d+)/m.exec(r.body.toString("utf8"))?.[1] ?? 0);
}

async function round(): Promise<Round> {
  const dataDir = await mkdtemp(join(tmpdir(), "hubwire-propagation-"));
  const controller = await startControllerProcess({
    dataDir,
    adminPassword: PASSWORD,
    timeoutMs: 60_000,
    nodeArgs: CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${CPU_PROF}`] : [],
  });
  const agents: { kill(): void }[] = [];
  try {
    const token = await adminToken(controller.url, PASSWORD);
    const { resources } = buildIntent({ spokes: AGENTS - HUBS, hubs: HUBS });
    // An apply takes at most 5,000 resources: the network, policy and hubs first, then spokes.
    for (let from = 0; from < resources.length; from += APPLY_CHUNK) {
      const applied = await request(controller.url, "POST", "/api/v1/apply", {
        token,
        body: { items: resources.slice(from, from + APPLY_CHUNK) },
      });
      if (applied.status !== 200) throw new Error(`apply: ${applied.status} ${applied.body}`);
    }
    const nodes = resources.filter((r) => r.kind === "Node").map((r) => r.metadata.name);

    // Credentials as enrollment approval would issue them, written into the controller's database.
    const db = await openDatabase({ dataDir });
    const now = new Date();
    const creds = await db.transaction(async (tx) => {
      const out: Array<{ node: string; credential: string }> = [];
      for (const node of nodes) out.push({ node, credential: await issueNodeCredential(tx, node, now) });
      return out;
    });
    await db.close();
    // Hubs are machines of their own: their simulated agents run in a second process, so a hub's
    // parse of its answer never queues behind the spokes' thousands (nor theirs behind it).
    const hubNames = new Set(
      resources.filter((r) => r.kind === "Node" && r.spec.role === "hub").map((r) => r.metadata.name),
    );
    const connectStart = Date.now();
    const groups = await Promise.all(
      [creds.filter((c) => hubNames.has(c.node)), creds.filter((c) => !hubNames.has(c.node))].map(
        async (part, g) => {
          const file = join(dataDir, `bench-credentials-${g}.json`);
          await writeFile(file, JSON.stringify(part), { mode: 0o600 });
          const agentsProcess = new AgentsProcess(
            controller.url,
            file,
            part.map((c) => c.node),
          );
          agents.push(agentsProcess);
          return agentsProcess;
        },
      ),
    );
    await Promise.all(groups.map((g) => g.message("ready")));
    // Every agent's poll is held by the controller before the change.
    while ((await longPolls(controller.url)) < nodes.length) await new Promise((r) => setTimeout(r, 200));
    const connectS = (Date.now() - connectStart) / 1000;
    /** Arrival times of the watched nodes (all when absent), in the order of `watched`. */
    const watch = async (watched?: string[]) => {
      const parts = groups.map((g) => ({ g, nodes: watched?.filter((n) => g.nodes.has(n)) }));
      const live = parts.filter((p) => p.nodes === undefined || p.nodes.length > 0);
      await Promise.all(live.map((p) => p.g.watch(p.nodes)));
      return async () => {
        const at = new Map<string, number>();
        for (const p of live) {
          const names = p.nodes ?? [...p.g.nodes];
          const done = await p.g.message("done");
          for (const [k, n] of names.entries()) at.set(n, done.at![k]!);
        }
        return (watched ?? [...at.keys()]).map((n) => at.get(n)!);
      };
    };
    const network = resources.find((r) => r.kind === "Network") as Extract<Resource, { kind: "Network" }>;
    const changedNetwork = { ...network, spec: { ...network.spec, persistentKeepalive: 26 } };
    const pid = controller.child.pid!;
    const allArrived = await watch();
    const cpuBefore = await cpuMs(pid);
    const t0 = Date.now();
    const change = await request(controller.url, "POST", "/api/v1/apply", {
      token,
      body: { items: [changedNetwork] },
    });
    const applyMs = Date.now() - t0;
    if (change.status !== 200) throw new Error(`change: ${change.status} ${change.body}`);
    const affected = change.json<{ nodes: string[] }>().nodes.length;
    if (affected !== nodes.length)
      throw new Error(`the change affected ${affected} nodes, not ${nodes.length}`);
    const times = (await allArrived()).map((t) => t - t0).sort((a, b) => a - b);
    const changeCpuMs = (await cpuMs(pid)) - cpuBefore;

    // (b) One spoke at a time moves its tunnel address, all agents still connected — once each
    // holds its next poll again (the change above is over, not still arriving as 10,000 re-polls).
    while ((await longPolls(controller.url)) < nodes.length) await new Promise((r) => setTimeout(r, 50));
    const spokeTimes: number[] = [];
    const spokeAffected: number[] = [];
    const spokeCpuBefore = await cpuMs(pid);
    for (let c = 0; c < SPOKE_CHANGES; c++) {
      const i = (c * 487) % (AGENTS - HUBS);
      // A new tunnel address: the spoke's own interface and its hubs' peer entry change.
      const base = spokeNode(i, HUBS);
      const moved = { ...base, spec: { ...base.spec, tunnelAddress: `10.0.${160 + (i >> 8)}.${i & 255}` } };
      // Which nodes it affects is known only from the answer; watch the expected ones, check after.
      const expected = [moved.metadata.name, ...moved.spec.hubs];
      const arrived = await watch(expected);
      const s0 = Date.now();
      const r = await request(controller.url, "POST", "/api/v1/apply", { token, body: { items: [moved] } });
      if (r.status !== 200) throw new Error(`spoke change: ${r.status} ${r.body}`);
      const hit = r.json<{ nodes: string[] }>().nodes;
      if (hit.length === 0 || hit.some((n) => !expected.includes(n)) || expected.length !== hit.length)
        throw new Error(`spoke change affected ${hit.join(", ")}, expected ${expected.join(", ")}`);
      for (const t of await arrived()) spokeTimes.push(t - s0);
      spokeAffected.push(hit.length);
    }
    const spokeCpuMs = ((await cpuMs(pid)) - spokeCpuBefore) / SPOKE_CHANGES;
    spokeTimes.sort((a, b) => a - b);

    // Status: every agent reports once, then the UI's reads over all nodes.
    // Both processes report at once: the hubs all, the spokes up to the rest of `reporters`.
    const reportAll = async () => {
      const ms = await Promise.all(
        groups.map((g, i) => g.report(i === 0 ? g.nodes.size : reporters - groups[0]!.nodes.size)),
      );
      return Math.max(...ms);
    };
    const firstReportMs = await reportAll();
    // The second round is the steady state: connections open, nodes already online.
    const reportMs = await reportAll();
    const read = async (path: string) => {
      const ms: number[] = [];
      for (let i = 0; i < 20; i++) {
        const started = performance.now();
        const r = await request(controller.url, "GET", path, { token });
        if (r.status !== 200) throw new Error(`${path}: ${r.status} ${r.body}`);
        ms.push(performance.now() - started);
      }
      return median(ms);
    };
    return {
      p50: quantile(times, 0.5),
      p99: quantile(times, 0.99),
      max: times[times.length - 1]!,
      spokeP50: quantile(spokeTimes, 0.5),
      spokeP99: quantile(spokeTimes, 0.99),
      spokeMax: spokeTimes[spokeTimes.length - 1]!,
      spokeSlowest: spokeTimes.slice(-5),
      spokeCpuMs,
      spokeAffected: median(spokeAffected),
      applyMs,
      changeCpuMs,
      connectS,
      peakRssMB: await peakRssMB(controller.child.pid!),
      firstReportAllS: firstReportMs / 1000,
      reportAllS: reportMs / 1000,
      listMs: await read("/api/v1/node-status?limit=100&after=spoke-2500"),
      listOfflineMs: await read("/api/v1/node-status?online=false&limit=100"),
      overviewMs: await read("/api/v1/overview"),
    };
  } finally {
    for (const a of agents) a.kill();
    await controller.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  // Each agent holds a long poll and, once it reports, a second connection, in both processes.
  const limit = ensureOpenFiles(2 * AGENTS + FD_SLACK, AGENTS + FD_SLACK);
  reporters = Math.min(AGENTS, limit - AGENTS - FD_SLACK);
  console.log(
    `propagation benchmark: ${AGENTS} simulated agents long-polling one controller (SQLite), ${ROUNDS} rounds, node ${process.version}\n`,
  );
  const rounds: Round[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const result = await round();
    rounds.push(result);
    console.log(`round ${r + 1}: ${JSON.stringify(result)}`);
  }
  const m = (k: Exclude<keyof Round, "spokeSlowest">) => median(rounds.map((x) => x[k]));
  console.log(
    "\n| agents | change → every agent has it: p50 ms | p99 ms | max ms | apply request ms | controller CPU for the change ms | connect all s | controller peak RSS MB |",
  );
  console.log("|---:|---:|---:|---:|---:|---:|---:|---:|");
  console.log(
    `| ${AGENTS} | ${m("p50")} | ${m("p99")} | ${m("max")} | ${m("applyMs")} | ${m("changeCpuMs")} | ${m("connectS").toFixed(1)} | ${m("peakRssMB").toFixed(0)} |`,
  );
  console.log(
    "\n| agents | one-spoke change → its nodes have it: p50 ms | p99 ms | max ms | nodes per change | controller CPU per change ms |",
  );
  console.log("|---:|---:|---:|---:|---:|---:|");
  console.log(
    `| ${AGENTS} | ${m("spokeP50")} | ${m("spokeP99")} | ${m("spokeMax")} | ${m("spokeAffected")} | ${m("spokeCpuMs").toFixed(1)} |`,
  );
  console.log(
    "\n| agents | reporting | first report from each s | next report from each s | GET /node-status?limit=100 ms | ?online=false&limit=100 ms | GET /overview ms |",
  );
  console.log("|---:|---:|---:|---:|---:|---:|---:|");
  console.log(
    `| ${AGENTS} | ${reporters} | ${m("firstReportAllS").toFixed(2)} | ${m("reportAllS").toFixed(2)} | ${m("listMs").toFixed(1)} | ${m("listOfflineMs").toFixed(1)} | ${m("overviewMs").toFixed(1)} |`,
  );
}

await main();
