/**
 * Checking a backup file without restoring it: a SQLite backup must pass `PRAGMA
 * integrity_check` and be a hubwire database; a JSON-lines backup must read to its end line with
 * matching hash and counts. The CLI verifies every download with it; tests use it too.
 */
import { open } from "node:fs/promises";
import BetterSqlite3 from "better-sqlite3";
import type { DialectName } from "../db/schema.js";
import { type BackupFormat, BackupFormatError, openJsonl, sniffFormat } from "./format.js";
import { sqliteKysely } from "./sqlite-files.js";
import { appliedMigrations, describeTables, MIGRATIONS_TABLE, quoteIdent } from "./tables.js";

/** What a valid backup holds. */
export interface BackupInfo {
  readonly format: BackupFormat;
  readonly migrations: readonly string[];
  /** JSON lines only: where and when it was taken. */
  readonly sourceDialect?: DialectName;
  readonly createdAt?: string;
  /** Rows per table. */
  readonly tables: Readonly<Record<string, number>>;
  readonly rows: number;
}

/** Reads the whole backup in `file`; throws {@link BackupFormatError} when it is not a valid one. */
export async function inspectBackup(file: string): Promise<BackupInfo> {
  const fh = await open(file, "r");
  const head = Buffer.alloc(64);
  let length: number;
  try {
    ({ bytesRead: length } = await fh.read(head, 0, head.length, 0));
  } finally {
    await fh.close();
  }
  const format = length === 0 ? undefined : sniffFormat(head.subarray(0, length));
  if (format === "jsonl") {
    const { header, events } = await openJsonl(file);
    let next = await events.next();
    while (!next.done) next = await events.next();
    return {
      format,
      migrations: header.migrations,
      sourceDialect: header.dialect,
      createdAt: header.createdAt,
      tables: next.value.tables,
      rows: next.value.rows,
    };
  }
  if (format !== "sqlite") throw new BackupFormatError(`${file} is not a hubwire backup`);
  let handle: BetterSqlite3.Database;
  try {
    handle = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new BackupFormatError(`${file} cannot be opened: ${(error as Error).message}`);
  }
  const kysely = sqliteKysely(handle);
  try {
    let check: string[];
    try {
      check = (handle.pragma("integrity_check") as Array<{ integrity_check: string }>).map(
        (r) => r.integrity_check,
      );
    } catch (error) {
      throw new BackupFormatError(`${file} is corrupt or truncated: ${(error as Error).message}`);
    }
    if (check.length !== 1 || check[0] !== "ok") {
      throw new BackupFormatError(
        `${file} is corrupt or truncated (integrity check: ${check.slice(0, 3).join("; ")})`,
      );
    }
    if (
      !handle.prepare("select 1 from sqlite_master where type = 'table' and name = ?").get(MIGRATIONS_TABLE)
    ) {
      throw new BackupFormatError(`${file} is a SQLite database but not a hubwire one`);
    }
    const tables: Record<string, number> = {};
    let rows = 0;
    for (const t of await describeTables(kysely, "sqlite")) {
      const n = (handle.prepare(`select count(*) as n from ${quoteIdent(t.name)}`).get() as { n: number }).n;
      tables[t.name] = n;
      rows += n;
    }
    return { format, migrations: await appliedMigrations(kysely), tables, rows };
  } finally {
    await kysely.destroy();
  }
}
