/**
 * `npm run bench`: compile benchmarks — full and incremental (one spoke
 * changed) for 1,000 and 10,000 spokes with 2 and 4 hubs, plus a default-allow
 * network — each scenario in a fresh process, several rounds, medians printed
 * as a Markdown table. Targets: full 10,000-spoke compile < 1 s, incremental
 * < 10 ms on a 2-core machine.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

interface Row {
  spokes: number;
  hubs: number;
  defaultAction: string;
  fullMs: number;
  incrementalMs: number;
  incrementalP90Ms: number;
  nodesChangedPerUpdate: number;
  heapHeldMB: number;
  maxRssMB: number;
}

const SCENARIOS: Array<[number, number, "deny" | "allow"]> = [
  [1000, 2, "deny"],
  [1000, 4, "deny"],
  [10000, 2, "deny"],
  [10000, 4, "deny"],
  [10000, 2, "allow"],
];
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number, digits = 1) => n.toFixed(digits);

async function main(): Promise<void> {
  const script = join(import.meta.dirname, "compile-bench.js");
  console.log(
    `compile benchmark: ${ROUNDS} rounds per scenario, medians of medians (node ${process.version})\n`,
  );
  console.log(
    "| spokes | hubs | default | full compile ms | incremental ms (p50 / p90) | nodes changed | heap held MB | max RSS MB |",
  );
  console.log("|---:|---:|---|---:|---:|---:|---:|---:|");
  for (const [spokes, hubs, action] of SCENARIOS) {
    const rows: Row[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const { stdout } = await run(
        process.execPath,
        ["--expose-gc", script, String(spokes), String(hubs), action],
        {
          maxBuffer: 1 << 20,
        },
      );
      rows.push(JSON.parse(stdout) as Row);
    }
    const m = (k: keyof Row) => median(rows.map((x) => x[k] as number));
    console.log(
      `| ${spokes} | ${hubs} | ${action} | ${fmt(m("fullMs"), 0)} | ${fmt(m("incrementalMs"), 2)} / ${fmt(m("incrementalP90Ms"), 2)} | ${m("nodesChangedPerUpdate")} | ${fmt(m("heapHeldMB"))} | ${fmt(m("maxRssMB"), 0)} |`,
    );
  }
}

await main();
