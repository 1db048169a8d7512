/**
 * SQLite write transactions that start with `BEGIN IMMEDIATE`, and wait for the write lock without
 * blocking the event loop.
 *
 * A plain (deferred) `BEGIN` takes the write lock only at the first write; a transaction that read
 * first then finds another connection holding it and fails with SQLITE_BUSY, which no busy timeout
 * can fix. `BEGIN IMMEDIATE` takes the lock up front, so read-modify-write transactions serialize.
 *
 * better-sqlite3 is synchronous: with `busy_timeout` set, a blocked `BEGIN IMMEDIATE` would freeze
 * the whole process until the lock frees, and if the holder is another connection in the same
 * process (it awaits between statements) it never frees — a deadlock. So the busy timeout is
 * switched off around `BEGIN IMMEDIATE` and the wait is an async retry with backoff, bounded by the
 * same timeout. Once the lock is held no statement of the transaction waits (WAL: readers never
 * block a writer), and other statements keep the normal synchronous `busy_timeout`.
 */
import { setTimeout as sleep } from "node:timers/promises";
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from "kysely";

/** How long a writer waits for another connection's write transaction before giving up. */
export const SQLITE_BUSY_TIMEOUT_MS = 5_000;

/** Runs one SQL statement on the connection that is to begin the transaction. */
export type RunStatement = (statement: string) => Promise<unknown>;

/**
 * Issues `BEGIN IMMEDIATE`, retrying asynchronously while another connection writes. Throws a
 * clear error after `timeoutMs`; any other error is thrown as is.
 */
export async function beginImmediate(run: RunStatement, timeoutMs = SQLITE_BUSY_TIMEOUT_MS): Promise<void> {
  await run("pragma busy_timeout = 0");
  try {
    const deadline = Date.now() + timeoutMs;
    for (let delay = 1; ; delay = Math.min(delay * 2, 50)) {
      try {
        await run("begin immediate");
        return;
      } catch (error) {
        if (!isBusy(error)) throw error;
        if (Date.now() >= deadline) {
          throw new Error(`SQLite database is locked: another writer held it for over ${timeoutMs} ms`, {
            cause: error,
          });
        }
      }
      await sleep(delay * (0.5 + Math.random()));
    }
  } finally {
    await run(`pragma busy_timeout = ${timeoutMs}`);
  }
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("SQLITE_BUSY");
}

/**
 * A first-come-first-served lock. Kysely's SQLite driver guards its one connection with a mutex
 * that wakes every waiter on each release (all but one go back to sleep): with thousands of
 * queued queries — one per held agent long poll or status report — that is quadratic, and it
 * took most of the controller's CPU. Queuing callers here first means Kysely's mutex never has
 * more than one waiter.
 */
class FifoLock {
  private held = false;
  private readonly waiters: Array<() => void> = [];

  lock(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  unlock(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.held = false;
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  readonly #queue = new FifoLock();

  override async acquireConnection(): Promise<DatabaseConnection> {
    await this.#queue.lock();
    return super.acquireConnection();
  }

  override async releaseConnection(): Promise<void> {
    await super.releaseConnection();
    this.#queue.unlock();
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await beginImmediate((statement) => connection.executeQuery(CompiledQuery.raw(statement)));
  }
}

/**
 * Kysely's SQLite dialect, except that `kysely.transaction()` begins IMMEDIATE. Kysely's driver
 * already holds its single connection for the whole transaction (other queries wait on a mutex),
 * so statements of two transactions never interleave.
 */
export class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}
