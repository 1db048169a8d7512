/**
 * `npm run bench` (b), apply: a hub interface with 10,000 peers (and a route each) in
 * wireguard-go inside a network namespace. Measures the agent's diff path for a one-spoke
 * change (read the live state, plan, write the one peer and `ip route` for its new subnet) against a full `wg setconf` of the same 10,000 peers, medians over several rounds,
 * and the ratio. Needs root and wireguard-go; prints a SKIP line otherwise.
 *
 * Both WireGuard back ends (UAPI socket, `wg` CLI) are measured round by round against the
 * same setconf, so a ratio is always of figures taken under the same load.
 *
 * Env: BENCH_APPLY_PEERS (10000), BENCH_ROUNDS (5), BENCH_NETNS_PREFIX (hwbench),
 * BENCH_APPLY_BACKENDS (`uapi,cli`).
 */
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { applyDesiredState } from "../agent/apply/apply.js";
import { readLiveState } from "../agent/apply/live.js";
import { planApply } from "../agent/apply/plan.js";
import { localRunner } from "../agent/exec.js";
import { openStateDir } from "../agent/state-dir.js";
import type { WgBackend } from "../agent/wg/backend.js";
import { WgCliBackend } from "../agent/wg/cli-backend.js";
import { WgUapiBackend } from "../agent/wg/uapi-backend.js";
import { socketDirOfProcess } from "../agent/wg/uapi-socket.js";
import { generatePrivateKey, publicKeyFromPrivate } from "../keys/wgkeys.js";
import type { DesiredState, PeerConfig } from "../model/index.js";
import { createBenchHost } from "./netns-host.js";

const PEERS = Number(process.env.BENCH_APPLY_PEERS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const PREFIX = process.env.BENCH_NETNS_PREFIX ?? "hwbench";
const IFACE = "hw_bench";
const CHANGED = Math.floor(PEERS / 2);
const EXTRA_SUBNET = "10.90.0.0/24";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (n: number) => n.toFixed(1);

function missing(): string | undefined {
  if (process.getuid?.() !== 0) return "root";
  const local = localRunner();
  for (const cmd of ["wireguard-go", "wg", "ip", "unshare", "nsenter", "setpriv"])
    if (!local.has(cmd)) return cmd;
  return undefined;
}

/** The hub's desired state; peer CHANGED gets an extra subnet (and its route) when `changed`. */
function hubState(keys: readonly string[], changed: boolean): DesiredState {
  const peers: PeerConfig[] = keys.map((publicKey, i) => {
    const addr = `10.80.${i >> 8}.${i & 255}/32`;
    return { name: `s${i}`, publicKey, allowedIPs: changed && i === CHANGED ? [addr, EXTRA_SUBNET] : [addr] };
  });
  const routes = peers.flatMap((p) => p.allowedIPs.map((prefix) => ({ prefix, metric: 100 })));
  return {
    apiVersion: "hubwire/v1",
    kind: "NodeConfig",
    protocol: 1,
    node: "bench-hub",
    network: "bench",
    role: "hub",
    revision: changed ? "b" : "a",
    forwarding: true,
    interfaces: [
      {
        name: IFACE,
        purpose: "hub-spokes",
        listenPort: 51820,
        addresses: ["10.81.0.1/32"],
        mtu: 1420,
        peers,
        routes,
      },
    ],
  };
}

/** The same peers as a `wg setconf` file. */
function setconfText(privateKey: string, state: DesiredState): string {
  const iface = state.interfaces[0]!;
  const out = [`[Interface]\nPrivateKey = ${privateKey}\nListenPort = ${iface.listenPort}\n`];
  for (const p of iface.peers)
    out.push(`[Peer]\nPublicKey = ${p.publicKey}\nAllowedIPs = ${p.allowedIPs.join(", ")}\n`);
  return out.join("\n");
}

/** The anchor process of the bench host (`sleep` in its own mount namespace): its socket dir. */
async function anchorPid(netns: string): Promise<number> {
  const pids = (await localRunner().run("ip", ["netns", "pids", netns])).stdout.split(/\s+/).filter(Boolean);
  for (const pid of pids)
    if ((await readFile(`/proc/${pid}/comm`, "utf8").catch(() => "")).trim() === "sleep") return Number(pid);
  throw new Error(`netns ${netns}: no anchor process`);
}

type BackendName = "uapi" | "cli";

async function main(): Promise<void> {
  const why = missing();
  if (why !== undefined) {
    console.log(`SKIP apply benchmark: needs ${why} (root, wireguard-go, wg, ip, unshare, nsenter, setpriv)`);
    return;
  }
  const names = (process.env.BENCH_APPLY_BACKENDS ?? "uapi,cli").split(",").map((b) => b.trim());
  for (const n of names)
    if (n !== "uapi" && n !== "cli")
      throw new Error(`BENCH_APPLY_BACKENDS: ${JSON.stringify(n)} is not uapi or cli`);
  const tmp = await mkdtemp(join(tmpdir(), "hubwire-bench-"));
  const host = await createBenchHost(`${PREFIX}-${process.pid}`);
  try {
    const dir = await openStateDir(join(tmp, "state"));
    const id = await dir.identity();
    const privateKey = readFileSync(id.privateKeyFile, "utf8").trim();
    const keys = Array.from({ length: PEERS }, () => publicKeyFromPrivate(generatePrivateKey()));
    const states = [hubState(keys, false), hubState(keys, true)];
    const runner = host.runner;
    const socketDir = socketDirOfProcess(await anchorPid(host.netns));
    const backends = new Map<BackendName, WgBackend>([
      ["uapi", new WgUapiBackend(runner, { kernel: false, socketDir })],
      ["cli", new WgCliBackend(runner, { kernel: false })],
    ]);
    const used = names as BackendName[];
    const optsOf = (b: BackendName) => ({
      runner,
      backend: backends.get(b)!,
      privateKeyFile: id.privateKeyFile,
      publicKey: id.publicKey,
    });

    console.log(
      `apply benchmark: ${PEERS} peers and routes on one wireguard-go interface, ${ROUNDS} rounds, backends ${used.join(", ")} (node ${process.version})\n`,
    );
    let t = performance.now();
    const first = await applyDesiredState(states[0]!, optsOf(used[0]!));
    const initialMs = performance.now() - t;

    const conf = join(tmp, "setconf.conf");
    await writeFile(conf, setconfText(privateKey, states[0]!), { mode: 0o600 });
    const diff = new Map(used.map((b) => [b, [] as number[]]));
    const read = new Map(used.map((b) => [b, [] as number[]]));
    const plan: number[] = [];
    const setconf: number[] = [];
    const ratios = new Map(used.map((b) => [b, [] as number[]]));
    let planned = "";
    let current = 0;
    // Interleaved, round by round: the machine is shared, so every figure of a round sees the
    // same load, and the ratio of each round is taken as well as the ratio of medians.
    for (let r = 0; r < ROUNDS; r++) {
      const round = new Map<BackendName, number>();
      for (const b of used) {
        current = 1 - current;
        const next = states[current]!;
        t = performance.now();
        const live = await readLiveState(runner, backends.get(b)!, {
          desiredNames: [IFACE],
          wantFirewall: false,
        });
        read.get(b)!.push(performance.now() - t);
        t = performance.now();
        void planApply(next, live, { publicKey: id.publicKey });
        plan.push(performance.now() - t);
        t = performance.now();
        const res = await applyDesiredState(next, optsOf(b));
        const took = performance.now() - t;
        diff.get(b)!.push(took);
        round.set(b, took);
        planned = res.plan.map((s) => s.op).join(", ");
      }
      t = performance.now();
      await backends.get("cli")!.setConf(IFACE, conf);
      const sc = performance.now() - t;
      setconf.push(sc);
      for (const b of used) ratios.get(b)!.push(sc / round.get(b)!);
      current = 0; // setconf put back state 0's peers
    }
    const idle = new Map(used.map((b) => [b, [] as number[]]));
    for (let r = 0; r < ROUNDS; r++)
      for (const b of used) {
        t = performance.now();
        const res = await applyDesiredState(states[current]!, optsOf(b));
        idle.get(b)!.push(performance.now() - t);
        if (res.changed && r > 0) throw new Error("a repeated apply changed something");
      }
    const single = new Map(used.map((b) => [b, [] as number[]]));
    for (let r = 0; r < ROUNDS; r++)
      for (const b of used) {
        t = performance.now();
        await backends.get(b)!.setPeer(IFACE, {
          publicKey: keys[CHANGED]!,
          allowedIPs: [`10.80.${CHANGED >> 8}.${CHANGED & 255}/32`],
          persistentKeepalive: 0,
        });
        single.get(b)!.push(performance.now() - t);
      }

    const row = (what: string, m: Map<BackendName, number[]>, bold = false) => {
      const cells = used.map((b) => (bold ? `**${ms(median(m.get(b)!))}**` : ms(median(m.get(b)!))));
      console.log(`| ${what} | ${cells.join(" | ")} |`);
    };
    console.log(`| measurement (median ms) | ${used.join(" | ")} |`);
    console.log(`|---|${used.map(() => "---:").join("|")}|`);
    console.log(
      `| first apply from nothing (${first.plan.length} steps, batched; ${used[0]}) | ${ms(initialMs)} |`,
    );
    row(`**one-spoke change by diff** (${planned})`, diff, true);
    row("of which reading the live state (WireGuard, one ip batch: addr+route+netconf, one nft)", read);
    console.log(`| of which planning | ${ms(median(plan))} |`);
    row("same state again (read + empty plan, nothing run)", idle);
    console.log(`| **full \`wg setconf\` of the same ${PEERS} peers** | **${ms(median(setconf))}** |`);
    row("one peer written alone (`wg set` / UAPI `set=1`)", single);
    console.log("");
    for (const b of used)
      console.log(
        `${b}: setconf / diff = ${(median(setconf) / median(diff.get(b)!)).toFixed(1)}× (median of per-round ratios ${median(ratios.get(b)!).toFixed(1)}×; diff runs ${diff.get(b)!.map(ms).join(", ")} ms)`,
      );
    console.log(`setconf runs: ${setconf.map(ms).join(", ")} ms`);
  } finally {
    await host.destroy();
    await rm(tmp, { recursive: true, force: true });
  }
}

await main();
