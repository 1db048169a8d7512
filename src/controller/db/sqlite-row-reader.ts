/**
 * The reads every agent request makes (its credential), run on SQLite's one connection with a
 * prepared statement instead of through Kysely — which compiles the query, queues for the
 * connection and resolves through several promises each time — and batched: the lookups asked
 * during one turn of the event loop (10,000 agents re-polling after a network-wide change arrive
 * hundreds per turn) are answered by one statement at the end of the turn (`setImmediate`), so
 * SQLite's per-statement cost (a read transaction, its locks) is paid once per turn, not per
 * request. Every lookup is still a read of the database made after the request arrived.
 *
 * The statement runs at once only when no transaction is open on the connection: then everything
 * this connection wrote is committed, and the read sees what any other connection (another
 * process) committed before it started — exactly what a Kysely read would see. While a
 * transaction is open (it spans awaits) a read now would see its uncommitted writes, so the batch
 * goes through Kysely and waits for the connection like any other query. (A second, read-only
 * connection was tried first: in WAL mode its page cache is dropped whenever the writer commits,
 * and each read cost ≈ 25–50 µs of CPU in the propagation bench.)
 */
import type BetterSqlite3 from "better-sqlite3";
import { CompiledQuery, type Kysely } from "kysely";
import type { Database } from "./schema.js";

/**
 * The row whose `column` equals `key`, as committed now; undefined when none. `sql` is a constant
 * text with one parameter, a JSON array of keys (`… where col in (select value from json_each(?))`):
 * each distinct text stays prepared, and lookups of one text asked in the same turn share a run.
 */
export type ReadByKey = <Row>(
  sql: string,
  column: keyof Row & string,
  key: string,
) => Promise<Row | undefined>;

interface Batch {
  readonly column: string;
  readonly waiting: Map<string, Array<{ resolve(row: unknown): void; reject(error: unknown): void }>>;
}

export function sqliteRowReader(sqlite: BetterSqlite3.Database, kysely: Kysely<Database>): ReadByKey {
  const statements = new Map<string, BetterSqlite3.Statement>();
  const batches = new Map<string, Batch>();
  const rowsOf = async (sql: string, keys: string[]): Promise<Array<Record<string, unknown>>> => {
    const param = JSON.stringify(keys);
    if (sqlite.inTransaction) {
      return (await kysely.executeQuery<Record<string, unknown>>(CompiledQuery.raw(sql, [param]))).rows;
    }
    let statement = statements.get(sql);
    if (!statement) {
      statement = sqlite.prepare(sql);
      statements.set(sql, statement);
    }
    return statement.all(param) as Array<Record<string, unknown>>;
  };
  const run = async (sql: string, batch: Batch) => {
    batches.delete(sql);
    try {
      const rows = await rowsOf(sql, [...batch.waiting.keys()]);
      const byKey = new Map(rows.map((r) => [r[batch.column], r]));
      for (const [key, callers] of batch.waiting) for (const c of callers) c.resolve(byKey.get(key));
    } catch (error) {
      for (const callers of batch.waiting.values()) for (const c of callers) c.reject(error);
    }
  };
  return <Row>(sql: string, column: keyof Row & string, key: string) =>
    new Promise<Row | undefined>((resolve, reject) => {
      let batch = batches.get(sql);
      if (!batch) {
        const started: Batch = { column, waiting: new Map() };
        batch = started;
        batches.set(sql, started);
        setImmediate(() => void run(sql, started));
      }
      let callers = batch.waiting.get(key);
      if (!callers) {
        callers = [];
        batch.waiting.set(key, callers);
      }
      callers.push({ resolve: resolve as (row: unknown) => void, reject });
    });
}
