/**
 * Prepared statements reused by SQL text. Kysely's SQLite driver prepares every query anew, and
 * better-sqlite3's `prepare` (parse and plan) was ≈ 7 % of the controller's CPU on the enrollment
 * path: the same few dozen statements run again and again. A statement still iterating (a
 * streamed read, `busy`) is never handed out twice; a fresh one is prepared for that caller.
 */
import type BetterSqlite3 from "better-sqlite3";
import type { SqliteDatabase } from "kysely";

/** Distinct statements kept; SQL with variable-length `in (…)` lists may make many texts. */
export const STATEMENT_CACHE_SIZE = 512;

export function withStatementCache(
  sqlite: BetterSqlite3.Database,
  size = STATEMENT_CACHE_SIZE,
): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => {
      cache.clear();
      sqlite.close();
    },
    prepare: (sql: string) => {
      const cached = cache.get(sql);
      if (cached && !cached.busy) return cached;
      const fresh = sqlite.prepare(sql);
      if (!cached) {
        if (cache.size >= size) cache.delete(cache.keys().next().value!);
        cache.set(sql, fresh);
      }
      return fresh;
    },
  };
}
