/**
 * The PostgreSQL side of `openDatabase`: a pg pool that returns BIGINT as a number (as SQLite
 * does), and SERIALIZABLE transactions retried on serialization failures.
 *
 * SERIALIZABLE because replicas share the database and callers write read-modify-write code
 * (read the revision, write revision + 1): under the default READ COMMITTED two replicas would both
 * read 41 and both write 42. Under SERIALIZABLE PostgreSQL aborts one of them instead (SQLSTATE
 * 40001), and running it again is always correct — the retry then reads 42. Deadlocks (40P01) are
 * retried the same way.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import type { Database } from "./schema.js";

/** How many times a transaction runs before a serialization failure is given to the caller. */
export const PG_MAX_ATTEMPTS = 40;

const RETRYABLE = new Set(["40001", "40P01"]);

/** int8 (BIGINT, count(*), identity ids) as a number; values past 2^53 are refused, not rounded. */
function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new Error(`BIGINT ${text} does not fit a JavaScript number`);
  return value;
}

const types: pg.CustomTypesConfig = {
  getTypeParser: (oid, format) =>
    oid === pg.types.builtins.INT8 && format !== "binary" ? parseInt8 : pg.types.getTypeParser(oid, format),
};

/**
 * A Kysely over a new pool for `url`. Idle-client errors (the server restarted, a network blip)
 * go to `onPoolError`; the pool drops that client and the next query reconnects. Without a
 * listener such an error would crash the process.
 */
export function createPostgresKysely(url: string, onPoolError: (error: Error) => void): Kysely<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    application_name: "hubwire-controller",
    types,
  });
  pool.on("error", onPoolError);
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/**
 * Runs `fn` in a SERIALIZABLE transaction, again (with jittered backoff) when PostgreSQL aborts it
 * to keep concurrent transactions serializable. `fn` may therefore run more than once: it must not
 * have effects outside the transaction that cannot be repeated.
 */
export async function serializableTransaction<T>(
  kysely: Kysely<Database>,
  fn: (tx: Kysely<Database>) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await kysely.transaction().setIsolationLevel("serializable").execute(fn);
    } catch (error) {
      if (attempt >= PG_MAX_ATTEMPTS || !isRetryable(error)) throw error;
      await sleep(Math.random() * Math.min(100, 2 ** attempt));
    }
  }
}

function isRetryable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && RETRYABLE.has(code);
}
