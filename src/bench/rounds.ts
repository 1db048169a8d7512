/**
 * What the API and enrollment benchmarks share: running a backend's rounds (each PostgreSQL round
 * on a fresh database, so rounds do not see each other's data) and the figures they report.
 */
import { readFile } from "node:fs/promises";
import { freshPostgres, PG_SERVER } from "./postgres-db.js";

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The `q` quantile of an ascending list. */
export const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

/** `n` with `digits` decimals; "–" for a figure that could not be measured (NaN). */
export const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : "–");

/** Peak resident memory of a process, in MB (Linux; NaN elsewhere). */
export async function peakRssMB(pid: number | undefined): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]) / 1024;
  } catch {
    return Number.NaN;
  }
}

/**
 * Runs `count` rounds on `backend`: `round(undefined)` for SQLite, `round(url)` on a fresh
 * database for PostgreSQL. An unreachable PostgreSQL server prints a "skipped" row of a table with
 * `columns` columns and ends the rounds (the list is then empty).
 */
export async function runRounds<R>(
  backend: "sqlite" | "postgres",
  count: number,
  columns: number,
  round: (databaseUrl: string | undefined) => Promise<R>,
): Promise<R[]> {
  const rounds: R[] = [];
  for (let r = 0; r < count; r++) {
    if (backend === "sqlite") {
      rounds.push(await round(undefined));
      continue;
    }
    const db = await freshPostgres();
    if (typeof db === "string") {
      console.log(
        `| postgres | skipped: not reachable at ${new URL(PG_SERVER).host} (${db}) |${" |".repeat(columns - 2)}`,
      );
      break;
    }
    try {
      rounds.push(await round(db.url));
    } finally {
      await db.drop();
    }
  }
  return rounds;
}
