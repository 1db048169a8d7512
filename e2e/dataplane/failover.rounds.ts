/**
 * Failover benchmark (issue 10), run by `npm run bench` through `dist/bench/failover-bench.js`:
 * on the multi-hub fabric, hub-1 is lost abruptly (agent killed with -9, underlay down) while
 * spoke-a pings spoke-c (both on hub-1) and spoke-b (on hub-2) every 0.2 s; the longest gap in
 * replies is the time from hub loss to restored spoke↔spoke traffic. Rounds per timer setting:
 * BENCH_ROUNDS (5). Then the probe overhead: CPU of spoke-a's `ping` children and of its agent
 * over a quiet 20 s. Prints `BENCH failover …` lines.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, it } from "vitest";
import { describeWith } from "../../src/testing/prerequisites.js";
import { type LongLived, run, stopProcess } from "../harness/exec.js";
import { eventually, pings } from "./fabric.js";
import { loseHub1, type MultiHub, NODES, PingRecorder, restoreHub1, useMultiHub } from "./multihub.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const HOLD_DOWN = "5";
const VARIANTS = [
  { name: "defaults (probe every 1 s, down after 3)", flags: [] as string[] },
  { name: "fast (probe every 0.3 s, down after 3)", flags: ["--probe-interval", "0.3"] },
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** utime + stime of a process, in clock ticks (100 per second here). */
async function cpuTicks(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
}

/** PIDs of `ping` processes whose parent is `parent`. */
async function pingChildren(parent: number): Promise<number[]> {
  const out = (await run("pgrep", ["-P", String(parent), "-x", "ping"]).catch(() => ({ stdout: "" }))).stdout;
  return out.split(/\s+/).filter(Boolean).map(Number);
}

describeWith(["root", "netns", "wireguard-go", "wg", "nft", "ip", "ping"], "failover benchmark", () => {
  const setUp = useMultiHub(["--hold-down", HOLD_DOWN]);
  let f: MultiHub;
  beforeAll(async () => {
    f = await setUp();
  });

  const settled = async () => {
    await eventually(
      "spoke-a routes via hub-1",
      async () => ((await f.deviceTo(f.hosts.sa, f.addr["spoke-c"])) === "hw_lab_hub-1" ? true : undefined),
      60_000,
    );
    for (const to of ["spoke-c", "spoke-b"] as const)
      await eventually(`spoke-a → ${to}`, async () =>
        (await pings(f.hosts.sa, f.addr[to])) ? true : undefined,
      );
    await new Promise((r) => setTimeout(r, 2_000));
  };

  it("measures hub loss to restored spoke↔spoke traffic, and probe overhead", async () => {
    for (const [v, variant] of VARIANTS.entries()) {
      if (v > 0) {
        for (const node of NODES) await stopProcess(f.procs[node] as LongLived);
        for (const node of NODES) await f.startAgent(node, variant.flags);
      }
      await settled();
      const gaps: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const toC = await PingRecorder.start(
          f.hosts.sa,
          f.addr["spoke-c"],
          join(f.work, `bench-c-${v}-${round}.log`),
        );
        const toB = await PingRecorder.start(
          f.hosts.sa,
          f.addr["spoke-b"],
          join(f.work, `bench-b-${v}-${round}.log`),
        );
        await new Promise((r) => setTimeout(r, 2_000));
        const lostAt = await loseHub1(f);
        const gapC = await eventually("a → c again", () => toC.gapAfter(lostAt), 60_000, 500);
        const gapB = await eventually("a → b again", () => toB.gapAfter(lostAt), 60_000, 500);
        await toC.stop();
        await toB.stop();
        gaps.push(Math.max(gapC, gapB));
        process.stdout.write(
          `BENCH failover round ${round + 1} [${variant.name}]: a→c ${(gapC / 1000).toFixed(2)} s, a→b ${(gapB / 1000).toFixed(2)} s\n`,
        );
        await restoreHub1(f);
        await settled();
      }
      process.stdout.write(
        `BENCH failover [${variant.name}]: median ${(median(gaps) / 1000).toFixed(2)} s over ${ROUNDS} rounds ` +
          `(min ${(Math.min(...gaps) / 1000).toFixed(2)}, max ${(Math.max(...gaps) / 1000).toFixed(2)})\n`,
      );
      if (v === 0) {
        const agent = f.procs["spoke-a"].pid;
        const pids = await pingChildren(agent);
        const before = await Promise.all([agent, ...pids].map(cpuTicks));
        const window = 20;
        await new Promise((r) => setTimeout(r, window * 1000));
        const after = await Promise.all([agent, ...pids].map(cpuTicks));
        const ms = (i: number) => ((after[i]! - before[i]!) * 10) / window;
        const pingMs = pids.map((_, i) => ms(i + 1));
        process.stdout.write(
          `BENCH failover probe overhead: ${pids.length} links; ping CPU per link ${(pingMs.reduce((a, b) => a + b, 0) / Math.max(1, pids.length)).toFixed(2)} ms/s; ` +
            `spoke-a's agent process ${ms(0).toFixed(2)} ms/s in all (parsing probes, 2-s status reports); ` +
            `probe traffic per link 2 × 84 B/s inside the tunnel (${window} s window, 10 ms ticks)\n`,
        );
      }
    }
  });
});
