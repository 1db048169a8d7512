/**
 * A second, read-only SQLite connection for the reads every agent request makes (its credential):
 * prepared once, run synchronously. Through Kysely each such read compiles its query, queues for
 * the one connection (behind any write transaction, fsync included, that holds it) and resolves
 * through several promises — ≈ 10× the cost of the statement itself, over 10,000 re-polls after
 * a network-wide change. In WAL mode this connection sees exactly what is committed when the
 * statement starts — never a write transaction still open on the other connection — so a read here
 * is as current as one through Kysely after that transaction: a revocation committed is seen by
 * the next read.
 */
import BetterSqlite3 from "better-sqlite3";

/** One row of a read-only statement, or undefined when it returns none. */
export type ReadRow = <Row>(sql: string, ...params: unknown[]) => Row | undefined;

export interface SqliteReader {
  readonly get: ReadRow;
  close(): void;
}

/**
 * Opens `file` read-only on first use (after the writer's connection made and migrated it).
 * `busyTimeoutMs`: how long a read may wait, synchronously, while SQLite recovers the WAL index
 * (the only time a WAL reader waits).
 */
export function sqliteReader(file: string, busyTimeoutMs: number): SqliteReader {
  let db: BetterSqlite3.Database | undefined;
  let closed = false;
  const statements = new Map<string, BetterSqlite3.Statement>();
  const connection = () => {
    if (closed) throw new Error("the database is closed");
    if (!db) {
      db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
      db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    }
    return db;
  };
  return {
    get: <Row>(sql: string, ...params: unknown[]) => {
      let statement = statements.get(sql);
      if (!statement) {
        statement = connection().prepare(sql);
        statements.set(sql, statement);
      }
      return statement.get(...params) as Row | undefined;
    },
    close: () => {
      closed = true;
      statements.clear();
      db?.close();
      db = undefined;
    },
  };
}
