/**
 * One compile benchmark scenario, run in its own process so memory figures
 * are its own: `node --expose-gc dist/bench/compile-bench.js SPOKES HUBS [allow|deny]`.
 * Prints one JSON line.
 */
import { compile, IncrementalCompiler } from "../compile/index.js";
import { buildIntent, spokeNode } from "../testing/topology.js";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const gc = () => (globalThis as { gc?: () => void }).gc?.();

function main(): void {
  const spokes = Number(process.argv[2]);
  const hubs = Number(process.argv[3]);
  const defaultAction = process.argv[4] === "allow" ? "allow" : "deny";
  const { intent } = buildIntent({ spokes, hubs, defaultAction });

  compile(intent); // warm-up: JIT and parse caches
  const full: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const r = compile(intent);
    full.push(performance.now() - t);
    if (!r.ok) throw new Error(`bench intent invalid: ${r.issues[0]?.message}`);
  }

  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const incremental = new IncrementalCompiler();
  const baseline = incremental.compile(intent);
  if (!baseline.ok) throw new Error("bench intent invalid");
  gc();
  const heapHeld = process.memoryUsage().heapUsed - heapBefore;

  // One spoke's site subnet moves back and forth: every hub's config changes.
  const updates: number[] = [];
  let changed = 0;
  for (let i = 0; i < 31; i++) {
    const t = performance.now();
    const r = incremental.upsertNode(spokeNode(Math.floor(spokes / 2), hubs, (i % 2) + 1));
    updates.push(performance.now() - t);
    if (!r.ok || !r.incremental) throw new Error("update was not incremental");
    changed = r.changed.length;
  }
  console.log(
    JSON.stringify({
      spokes,
      hubs,
      defaultAction,
      fullMs: median(full),
      incrementalMs: median(updates.slice(1)),
      incrementalP90Ms: [...updates.slice(1)].sort((a, b) => a - b)[Math.floor(updates.length * 0.9)],
      nodesChangedPerUpdate: changed,
      heapHeldMB: heapHeld / 2 ** 20,
      maxRssMB: process.resourceUsage().maxRSS / 1024,
    }),
  );
}

main();
