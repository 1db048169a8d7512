/**
 * SQLite files on the backup's side of the fence: private temporary folders, a consistent copy of
 * the live SQLite database made with SQLite's online backup API, and SQLite files as the source
 * or destination of backup events. These handles are better-sqlite3 connections of their own,
 * never the controller's: the controller's one connection keeps serving requests meanwhile.
 */
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { Kysely, SqliteDialect, sql } from "kysely";
import type { Db } from "../db/open.js";
import type { Database } from "../db/schema.js";
import { type BackupEvent, BackupRefusedError, checkValue, type Value } from "./format.js";
import { quoteIdent, type TableInfo } from "./tables.js";

/** A folder only this process's user can read (mode 0700): backups hold password and token hashes. */
export interface TempDir {
  readonly path: string;
  /** Deletes the folder and everything in it; later calls do nothing. */
  remove(): Promise<void>;
}

/** Makes a new private temporary folder under the system's temp directory (`TMPDIR`). */
export async function privateTempDir(): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), "hubwire-backup-"));
  let removed: Promise<void> | undefined;
  return {
    path,
    remove: () => {
      removed ??= rm(path, { recursive: true, force: true });
      return removed;
    },
  };
}

/** The file of the controller's SQLite database. */
export async function sqliteFileOf(db: Db): Promise<string> {
  const { rows } = await sql<{ name: string; file: string }>`pragma database_list`.execute(db.kysely);
  const file = rows.find((r) => r.name === "main")?.file;
  if (!file) throw new Error("the SQLite database has no file (in-memory?); it cannot be backed up");
  return file;
}

/** `sqlite3_backup_step(N)` with N at least the page count copies everything in one step. */
const ALL_PAGES = 0x7fffffff;

/**
 * Copies the SQLite database `source` into the new file `dest` (created 0600) with the online
 * backup API, through a read-only connection of its own. The copy is made in a single step, so it
 * is one read transaction: in WAL mode that is a snapshot of the last commit, taken without
 * blocking writers — every transaction committed before the call is in it, none half. (Smaller
 * steps would let other connections' writes restart the copy, forever under steady load.) The
 * result uses a rollback journal, so the one file is the whole database.
 */
export async function snapshotSqlite(source: string, dest: string): Promise<void> {
  await (await open(dest, "wx", 0o600)).close();
  const connection = new BetterSqlite3(source, { readonly: true, fileMustExist: true });
  try {
    await connection.backup(dest, { progress: () => ALL_PAGES });
  } finally {
    connection.close();
  }
  selfContained(dest);
}

/** Switches a SQLite file we own to a rollback journal, so no `-wal` file is needed beside it. */
export function selfContained(file: string): void {
  const handle = new BetterSqlite3(file, { fileMustExist: true });
  try {
    handle.pragma("journal_mode = delete");
  } finally {
    handle.close();
  }
}

/** A Kysely over a better-sqlite3 handle; destroying it closes the handle. */
export function sqliteKysely(handle: BetterSqlite3.Database): Kysely<Database> {
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: handle }) });
}

/**
 * The rows of `tables` in `handle`, table after table in the order given, each in primary-key
 * order, as backup events in batches of `batchRows`.
 */
export async function* sqliteEvents(
  handle: BetterSqlite3.Database,
  tables: readonly TableInfo[],
  batchRows = 1000,
): AsyncGenerator<BackupEvent> {
  for (const t of tables) {
    yield { type: "table", table: t.name, columns: t.columns };
    yield* sqliteRows(handle, t, batchRows);
  }
}

/** One table's rows (see {@link sqliteEvents}). */
export async function* sqliteRows(
  handle: BetterSqlite3.Database,
  table: TableInfo,
  batchRows = 1000,
): AsyncGenerator<BackupEvent & { type: "rows" }> {
  const order = table.primaryKey.length ? ` order by ${table.primaryKey.map(quoteIdent).join(", ")}` : "";
  const statement = handle
    .prepare(`select ${table.columns.map(quoteIdent).join(", ")} from ${quoteIdent(table.name)}${order}`)
    .raw(true);
  let batch: Value[][] = [];
  for (const raw of statement.iterate() as Iterable<unknown[]>) {
    batch.push(raw.map((v, i) => checkValue(v, table.name, table.columns[i]!)));
    if (batch.length >= batchRows) {
      yield { type: "rows", rows: batch };
      batch = [];
    }
  }
  if (batch.length) yield { type: "rows", rows: batch };
}

/** Is this a SQLite error caused by the data (a constraint, a type mismatch), not by the file? */
export function isSqliteDataError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && (code.startsWith("SQLITE_CONSTRAINT") || code === "SQLITE_MISMATCH");
}

/**
 * Writes backup events into the SQLite database `handle`, whose schema is already `tables`: one
 * transaction, foreign keys checked once at the end (so the order of tables does not matter).
 * Returns the row count of each table. A table or column the schema does not have, a row that
 * breaks a constraint, or a dangling foreign key is a {@link BackupRefusedError}, and nothing is
 * kept.
 */
export async function loadIntoSqlite(
  handle: BetterSqlite3.Database,
  events: AsyncIterable<BackupEvent>,
  tables: readonly TableInfo[],
): Promise<Record<string, number>> {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const counts: Record<string, number> = {};
  handle.pragma("foreign_keys = OFF");
  handle.exec("begin");
  try {
    let insert: BetterSqlite3.Statement | undefined;
    let current = "";
    for await (const event of events) {
      if (event.type === "table") {
        const table = byName.get(event.table);
        if (!table) {
          throw new BackupRefusedError(`the backup has a table ${event.table} that its schema does not have`);
        }
        const missing = table.columns.filter((c) => !event.columns.includes(c));
        const extra = event.columns.filter((c) => !table.columns.includes(c));
        if (missing.length || extra.length) {
          throw new BackupRefusedError(
            `table ${event.table} of the backup does not match its schema` +
              (missing.length ? `; missing columns: ${missing.join(", ")}` : "") +
              (extra.length ? `; unknown columns: ${extra.join(", ")}` : ""),
          );
        }
        current = event.table;
        counts[current] = 0;
        insert = handle.prepare(
          `insert into ${quoteIdent(current)} (${event.columns.map(quoteIdent).join(", ")}) values (${event.columns.map(() => "?").join(", ")})`,
        );
        continue;
      }
      if (!insert) throw new BackupRefusedError("the backup has rows before any table");
      for (const row of event.rows) {
        try {
          insert.run(row as Value[]);
        } catch (error) {
          if (!isSqliteDataError(error)) throw error;
          throw new BackupRefusedError(
            `a row of table ${current} breaks the schema: ${(error as Error).message}`,
          );
        }
      }
      counts[current]! += event.rows.length;
    }
    const dangling = handle.prepare("pragma foreign_key_check").all() as Array<{
      table: string;
      parent: string;
    }>;
    if (dangling.length) {
      const d = dangling[0]!;
      throw new BackupRefusedError(
        `the backup is inconsistent: ${dangling.length} row(s) point at rows that do not exist (first: a ${d.table} row without its ${d.parent} row)`,
      );
    }
    handle.exec("commit");
    return counts;
  } catch (error) {
    if (handle.inTransaction) handle.exec("rollback");
    throw error;
  } finally {
    handle.pragma("foreign_keys = ON");
  }
}
