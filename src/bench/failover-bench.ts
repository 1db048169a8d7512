/**
 * `npm run bench` (f), failover: runs the failover rounds on the real multi-hub fabric in
 * network namespaces (`e2e/dataplane/failover.rounds.ts`, through vitest, which builds the
 * fabric) and prints their `BENCH failover` lines. Needs root and wireguard-go; prints a SKIP
 * line otherwise. Env: BENCH_ROUNDS (5).
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { localRunner } from "../agent/exec.js";

const root = join(import.meta.dirname, "..", "..");
const missing =
  process.getuid?.() !== 0 ? "root" : ["wireguard-go", "wg", "ip", "ping"].find((c) => !localRunner().has(c));
if (missing) {
  process.stdout.write(`SKIP failover bench: needs ${missing}\n`);
} else {
  const vitest = join(root, "node_modules", "vitest", "vitest.mjs");
  const result = spawnSync(process.execPath, [vitest, "run", "--config", "e2e/dataplane/rounds.config.ts"], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, CI: "true" },
    maxBuffer: 64 * 1024 * 1024,
  });
  const lines = `${result.stdout}\n${result.stderr}`
    .split("\n")
    .filter((l) => l.startsWith("BENCH failover"));
  for (const l of lines) process.stdout.write(`${l}\n`);
  if (result.status !== 0) {
    process.stderr.write(result.stdout.slice(-4000));
    process.exitCode = 1;
  }
}
