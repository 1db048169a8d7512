/**
 * Data-plane benchmarks that need the e2e network-namespace harness run as vitest "rounds" files
 * (`e2e/dataplane/*.rounds.ts`; the harness is not part of `dist/`). This runs one such config
 * and prints the lines starting with `prefix`; without root or a needed command it prints a SKIP
 * line instead.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { localRunner } from "../agent/exec.js";

const root = join(import.meta.dirname, "..", "..");

export function runRounds(config: string, prefix: string, needs: readonly string[]): void {
  const missing = process.getuid?.() !== 0 ? "root" : needs.find((c) => !localRunner().has(c));
  if (missing) {
    process.stdout.write(`SKIP ${prefix} bench: needs ${missing}\n`);
    return;
  }
  const vitest = join(root, "node_modules", "vitest", "vitest.mjs");
  const result = spawnSync(process.execPath, [vitest, "run", "--config", config], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, CI: "true" },
    maxBuffer: 64 * 1024 * 1024,
  });
  const lines = `${result.stdout}\n${result.stderr}`.split("\n").filter((l) => l.startsWith(prefix));
  for (const l of lines) process.stdout.write(`${l}\n`);
  if (result.status !== 0) {
    process.stderr.write(result.stdout.slice(-4000));
    process.exitCode = 1;
  }
}
