/**
 * Opens the controller's database: SQLite in `DATA_DIR/hubwire.db` unless a PostgreSQL URL is
 * given (for HA, several replicas on one database). Either way the schema is migrated before the
 * handle is returned, and writes go through `transaction`, which is the one place that knows how
 * each engine keeps concurrent writers from losing updates. Nothing is opened at import time.
 */
import { mkdir, open } from "node:fs/promises";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { Kysely, sql } from "kysely";
import { migrate } from "./migrations.js";
import { type ListenHandlers, type Listening, listenPostgres } from "./pg-listen.js";
import { createPostgresKysely, serializableTransaction } from "./postgres.js";
import type { Database, DialectName } from "./schema.js";
import { ImmediateSqliteDialect, SQLITE_BUSY_TIMEOUT_MS } from "./sqlite-immediate.js";
import { type ReadByKey, sqliteRowReader } from "./sqlite-row-reader.js";
import { withStatementCache } from "./sqlite-statements.js";

/** What repository functions run on: a transaction (Kysely's `Transaction` is a `Kysely`). */
export type Tx = Kysely<Database>;

/** An open database. */
export interface Db {
  /**
   * For reads outside a transaction. On SQLite never use it inside `transaction`'s callback: the
   * one connection is held by the transaction, so such a query waits forever.
   */
  readonly kysely: Kysely<Database>;
  readonly dialect: DialectName;
  /**
   * Runs `fn` in a transaction: committed when it resolves, rolled back when it throws.
   * Concurrent calls behave as if run one after another — SQLite: `BEGIN IMMEDIATE` on the single
   * connection, so transactions queue; PostgreSQL: SERIALIZABLE, and `fn` is run again when the
   * server aborts it for a conflict. So `fn` may run more than once: keep effects outside the
   * database (sending, logging "created") until after it returns.
   */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` once, in a transaction that holds the database-wide writer lock
   * `lock` for its duration — PostgreSQL: READ COMMITTED after
   * `pg_advisory_xact_lock`; SQLite: the same `BEGIN IMMEDIATE` as
   * `transaction`. For writers that must not be retried because `fn` computes
   * in-memory state alongside the write (the intent store).
   */
  exclusive<T>(lock: number, fn: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * PostgreSQL only (undefined on SQLite, where one process owns the database): LISTEN on
   * `channel` over a dedicated connection, so replicas can wake each other (see pg-listen.ts).
   */
  readonly listen?: (channel: string, handlers: ListenHandlers) => Promise<Listening>;
  /**
   * SQLite only (undefined on PostgreSQL): one row by key, committed data only, without Kysely's
   * per-query cost and batched per turn of the event loop (sqlite-row-reader.ts). For the hot
   * reads of agent requests.
   */
  readonly readByKey?: ReadByKey;
  /** Closes connections; later calls do nothing. */
  close(): Promise<void>;
}

/** Where the database is. */
export interface OpenOptions {
  /** `postgres://` or `postgresql://` URL; absent means SQLite in `dataDir`. An empty string is an error. */
  databaseUrl?: string;
  /** The controller's state directory; created (0700) for SQLite when missing. */
  dataDir: string;
  /** Errors of idle PostgreSQL connections (the pool reconnects); ignored when not given. */
  onPoolError?: (error: Error) => void;
}

/** A `databaseUrl` that is not a PostgreSQL URL. The message never repeats the URL (it may hold a password). */
export class DatabaseUrlError extends Error {
  readonly code = "invalid-database-url";
  override readonly name = "DatabaseUrlError";
}

/** Opens (creating when needed) and migrates the database `options` point at. */
export async function openDatabase(options: OpenOptions): Promise<Db> {
  if (options.databaseUrl !== undefined) {
    checkPostgresUrl(options.databaseUrl);
    const url = options.databaseUrl;
    const kysely = createPostgresKysely(url, options.onPoolError ?? (() => undefined));
    const db = await ready(
      kysely,
      "postgres",
      (fn) => serializableTransaction(kysely, fn),
      (lock, fn) =>
        kysely
          .transaction()
          .setIsolationLevel("read committed")
          .execute(async (tx) => {
            await sql`select pg_advisory_xact_lock(${lock})`.execute(tx);
            return fn(tx);
          }),
    );
    return { ...db, listen: (channel, handlers) => listenPostgres(url, channel, handlers) };
  }
  const { kysely, sqlite } = await openSqlite(options.dataDir);
  const transaction = <T>(fn: (tx: Tx) => Promise<T>) => kysely.transaction().execute(fn);
  const db = await ready(kysely, "sqlite", transaction, (_lock, fn) => transaction(fn));
  return { ...db, readByKey: sqliteRowReader(sqlite, kysely) };
}

function checkPostgresUrl(databaseUrl: string): void {
  let protocol: string;
  try {
    protocol = new URL(databaseUrl).protocol;
  } catch {
    throw new DatabaseUrlError(
      "the database URL is not a valid URL; expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE",
    );
  }
  if (protocol !== "postgres:" && protocol !== "postgresql:") {
    throw new DatabaseUrlError(
      `the database URL must start with postgres:// or postgresql:// (got ${protocol}//); ` +
        "leave it out to use SQLite in the data directory",
    );
  }
}

async function openSqlite(
  dataDir: string,
): Promise<{ kysely: Kysely<Database>; sqlite: BetterSqlite3.Database }> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, "hubwire.db");
  // Password and token hashes live here: create it private (SQLite gives -wal/-shm the same mode).
  await (await open(file, "a", 0o600)).close();
  let sqlite: BetterSqlite3.Database;
  try {
    sqlite = new BetterSqlite3(file);
  } catch (error) {
    throw new Error(`cannot open SQLite database ${file}: ${(error as Error).message}`, { cause: error });
  }
  try {
    sqlite.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    const mode = sqlite.pragma("journal_mode = WAL", { simple: true });
    if (mode !== "wal") throw new Error(`journal_mode is ${String(mode)}, not wal`);
    // FULL: a commit is on disk (WAL fsynced) before it is acknowledged — survives power loss.
    sqlite.pragma("synchronous = FULL");
    sqlite.pragma("foreign_keys = ON");
  } catch (error) {
    sqlite.close();
    throw new Error(`cannot set up SQLite database ${file}: ${(error as Error).message}`, { cause: error });
  }
  const kysely = new Kysely<Database>({
    dialect: new ImmediateSqliteDialect({ database: withStatementCache(sqlite) }),
  });
  return { kysely, sqlite };
}

async function ready(
  kysely: Kysely<Database>,
  dialect: DialectName,
  transaction: <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>,
  exclusive: <T>(lock: number, fn: (tx: Tx) => Promise<T>) => Promise<T>,
): Promise<Db> {
  try {
    await migrate(kysely, dialect);
  } catch (error) {
    await kysely.destroy().catch(() => undefined);
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    kysely,
    dialect,
    transaction,
    exclusive,
    close: () => {
      closing ??= kysely.destroy();
      return closing;
    },
  };
}
