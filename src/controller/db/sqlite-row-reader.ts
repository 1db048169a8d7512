/**
 * The reads every agent request makes (its credential), run on SQLite's one connection at once
 * with a prepared statement, instead of through Kysely — which compiles the query, queues for the
 * connection and resolves through several promises each time: ≈ 2× the statement's own cost, over
 * 10,000 re-polls after a network-wide change.
 *
 * Only when no transaction is open on the connection: then everything this connection wrote is
 * committed, and the read sees what any other connection (another process) committed before it
 * started — exactly what a Kysely read would see. While a transaction is open (it spans awaits),
 * reading now would see its uncommitted writes, so the read goes through Kysely and waits for the
 * connection like any other query. (A second, read-only connection was tried first: in WAL mode its
 * page cache is dropped whenever the writer commits, and each read cost ≈ 25–50 µs of CPU in the
 * propagation bench against ≈ 8 µs here.)
 */
import type BetterSqlite3 from "better-sqlite3";
import { CompiledQuery, type Kysely } from "kysely";
import type { Database } from "./schema.js";

/** One row of a read-only statement with `?` parameters, as committed now; undefined when none. */
export type ReadRow = <Row>(sql: string, ...params: unknown[]) => Promise<Row | undefined>;

/** `sql` texts are constants of their callers: each distinct one stays prepared. */
export function sqliteRowReader(sqlite: BetterSqlite3.Database, kysely: Kysely<Database>): ReadRow {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return async <Row>(sql: string, ...params: unknown[]) => {
    if (sqlite.inTransaction) {
      const { rows } = await kysely.executeQuery<Row>(CompiledQuery.raw(sql, params));
      return rows[0];
    }
    let statement = statements.get(sql);
    if (!statement) {
      statement = sqlite.prepare(sql);
      statements.set(sql, statement);
    }
    return statement.get(...params) as Row | undefined;
  };
}
