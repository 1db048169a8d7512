/**
 * `npm run bench` (b), apply: a hub interface with 10,000 peers (and a route each) in
 * wireguard-go inside a network namespace. Measures the agent's diff path for a one-spoke
 * change (read the live state, plan, run `wg set` for the one peer and `ip route` for its new
 * subnet) against a full `wg setconf` of the same 10,000 peers, medians over several rounds,
 * and the ratio. Needs root and wireguard-go; prints a SKIP line otherwise.
 *
 * Env: BENCH_APPLY_PEERS (10000), BENCH_ROUNDS (5), BENCH_NETNS_PREFIX (hwbench).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { applyDesiredState } from "../agent/apply/apply.js";
import { readLiveState } from "../agent/apply/live.js";
import { planApply } from "../agent/apply/plan.js";
import { localRunner } from "../agent/exec.js";
import { openStateDir } from "../agent/state-dir.js";
import { WgCliBackend } from "../agent/wg/cli-backend.js";
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

async function main(): Promise<void> {
  const why = missing();
  if (why !== undefined) {
    console.log(`SKIP apply benchmark: needs ${why} (root, wireguard-go, wg, ip, unshare, nsenter, setpriv)`);
    return;
  }
  const tmp = await mkdtemp(join(tmpdir(), "hubwire-bench-"));
  const host = await createBenchHost(`${PREFIX}-${process.pid}`);
  try {
    const dir = await openStateDir(join(tmp, "state"));
    const id = await dir.identity();
    const privateKey = (await import("node:fs")).readFileSync(id.privateKeyFile, "utf8").trim();
    const keys = Array.from({ length: PEERS }, () => publicKeyFromPrivate(generatePrivateKey()));
    const states = [hubState(keys, false), hubState(keys, true)];
    const runner = host.runner;
    const backend = new WgCliBackend(runner, { kernel: false });
    const opts = { runner, backend, privateKeyFile: id.privateKeyFile, publicKey: id.publicKey };

    console.log(
      `apply benchmark: ${PEERS} peers and routes on one wireguard-go interface, ${ROUNDS} rounds (node ${process.version})\n`,
    );
    let t = performance.now();
    const first = await applyDesiredState(states[0]!, opts);
    const initialMs = performance.now() - t;

    const diff: number[] = [];
    const read: number[] = [];
    let planned = "";
    for (let r = 0; r < ROUNDS; r++) {
      const next = states[(r + 1) % 2]!;
      t = performance.now();
      const live = await readLiveState(runner, backend, { desiredNames: [IFACE], wantFirewall: false });
      read.push(performance.now() - t);
      void planApply(next, live, { publicKey: id.publicKey });
      t = performance.now();
      const res = await applyDesiredState(next, opts);
      diff.push(performance.now() - t);
      planned = res.plan.map((s) => s.op).join(", ");
    }
    const idle: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      t = performance.now();
      const res = await applyDesiredState(states[ROUNDS % 2]!, opts);
      idle.push(performance.now() - t);
      if (res.changed) throw new Error("a repeated apply changed something");
    }
    const conf = join(tmp, "setconf.conf");
    await writeFile(conf, setconfText(privateKey, states[0]!), { mode: 0o600 });
    const setconf: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      t = performance.now();
      await backend.setConf(IFACE, conf);
      setconf.push(performance.now() - t);
    }
    const single: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      t = performance.now();
      await backend.setPeer(IFACE, {
        publicKey: keys[CHANGED]!,
        allowedIPs: [`10.80.${CHANGED >> 8}.${CHANGED & 255}/32`],
        persistentKeepalive: 0,
      });
      single.push(performance.now() - t);
    }

    console.log("| measurement | median ms |");
    console.log("|---|---:|");
    console.log(`| first apply from nothing (${first.plan.length} steps, batched) | ${ms(initialMs)} |`);
    console.log(`| **one-spoke change by diff** (${planned}) | **${ms(median(diff))}** |`);
    console.log(
      `|   of which reading the live state (wg dump, ip link/addr/route, sysctl) | ${ms(median(read))} |`,
    );
    console.log(`| same state again (read + empty plan, nothing run) | ${ms(median(idle))} |`);
    console.log(`| **full \`wg setconf\` of the same ${PEERS} peers** | **${ms(median(setconf))}** |`);
    console.log(`| one \`wg set … peer\` alone | ${ms(median(single))} |`);
    console.log(
      `\nsetconf / diff = ${(median(setconf) / median(diff)).toFixed(1)}× (diff path runs: ${diff.map(ms).join(", ")} ms; setconf: ${setconf.map(ms).join(", ")} ms)`,
    );
  } finally {
    await host.destroy();
    await rm(tmp, { recursive: true, force: true });
  }
}

await main();
