/**
 * Making a backup of a running controller, consistent while writers keep writing.
 *
 * - SQLite: the online backup API copies the database into a private temporary file in one read
 *   transaction (a WAL snapshot, see sqlite-files.ts); that file is the `sqlite` backup, and the
 *   `jsonl` backup is read from it at leisure, holding nothing on the live database.
 * - PostgreSQL: every table is read through cursors inside ONE `REPEATABLE READ, READ ONLY`
 *   transaction — one snapshot, as pg_dump takes it — while the JSON lines stream out. A `sqlite`
 *   backup of a PostgreSQL controller loads the same snapshot into a new SQLite file.
 *
 * Either way every write acknowledged before the backup started is in it, and no write is in it
 * half. Temporary files and the PostgreSQL transaction are released when the stream closes,
 * whether it was read to the end or not.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import BetterSqlite3 from "better-sqlite3";
import { type ControlledTransaction, type Kysely, sql } from "kysely";
import { MIGRATIONS, migrate } from "../db/migrations.js";
import type { Db } from "../db/open.js";
import type { Database } from "../db/schema.js";
import {
  type BackupEvent,
  type BackupFormat,
  type BackupHeader,
  CONTENT_TYPES,
  checkValue,
  encodeJsonl,
  JSONL_FORMAT,
  JSONL_VERSION,
} from "./format.js";
import {
  loadIntoSqlite,
  privateTempDir,
  selfContained,
  snapshotSqlite,
  sqliteEvents,
  sqliteFileOf,
  sqliteKysely,
  type TempDir,
} from "./sqlite-files.js";
import { appliedMigrations, describeTables, quoteIdent, type TableInfo } from "./tables.js";

/** A backup ready to send. */
export interface BackupDownload {
  readonly format: BackupFormat;
  readonly contentType: string;
  /** A suggested file name: `hubwire-YYYYMMDDTHHMMSSZ.sqlite` or `.jsonl`. */
  readonly filename: string;
  /** Bytes, when known in advance (SQLite files). */
  readonly size?: number;
  /** The backup's bytes; reading it to the end (or destroying it) releases everything it holds. */
  readonly stream: Readable;
}

/** The format a controller on `dialect` writes when none is asked for: its own. */
export function defaultFormat(dialect: Db["dialect"]): BackupFormat {
  return dialect === "sqlite" ? "sqlite" : "jsonl";
}

/** Starts a backup of `db` in `format`; see the module comment for what makes it consistent. */
export async function createBackup(db: Db, format: BackupFormat): Promise<BackupDownload> {
  const startedAt = new Date();
  const filename = `hubwire-${startedAt
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z")}.${format}`;
  const base = { format, contentType: CONTENT_TYPES[format], filename };
  const tmp = await privateTempDir();
  try {
    if (db.dialect === "sqlite") {
      const file = join(tmp.path, "snapshot.sqlite");
      await snapshotSqlite(await sqliteFileOf(db), file);
      if (format === "sqlite") return { ...base, ...(await fileStream(file, tmp)) };
      const handle = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
      const kysely = sqliteKysely(handle);
      const release = once(async () => {
        await kysely.destroy();
        await tmp.remove();
      });
      try {
        const header = await headerOf(kysely, "sqlite", startedAt);
        const tables = await describeTables(kysely, "sqlite");
        return { ...base, stream: streamOf(encodeJsonl(header, sqliteEvents(handle, tables)), release) };
      } catch (error) {
        await release();
        throw error;
      }
    }

    const trx = await db.kysely
      .startTransaction()
      .setIsolationLevel("repeatable read")
      .setAccessMode("read only")
      .execute();
    const end = once(async () => {
      await trx.rollback().execute();
    });
    try {
      // The snapshot is taken by the transaction's first statement: this one.
      const header = await headerOf(trx, "postgres", new Date());
      const tables = await describeTables(trx, "postgres");
      if (format === "jsonl") {
        await tmp.remove();
        return { ...base, stream: streamOf(encodeJsonl(header, postgresEvents(trx, tables)), end) };
      }
      const file = join(tmp.path, "snapshot.sqlite");
      const handle = new BetterSqlite3(file);
      const kysely = sqliteKysely(handle);
      try {
        await migrate(
          kysely,
          "sqlite",
          MIGRATIONS.filter((m) => header.migrations.includes(m.id)),
        );
        await loadIntoSqlite(handle, postgresEvents(trx, tables), await describeTables(kysely, "sqlite"));
      } finally {
        await kysely.destroy();
      }
      await end();
      selfContained(file);
      return { ...base, ...(await fileStream(file, tmp)) };
    } catch (error) {
      await end().catch(() => undefined);
      throw error;
    }
  } catch (error) {
    await tmp.remove();
    throw error;
  }
}

// biome-ignore lint/suspicious/noExplicitAny: the migrations table is read without the schema type
async function headerOf(db: Kysely<any>, dialect: Db["dialect"], at: Date): Promise<BackupHeader> {
  const migrations = await appliedMigrations(db);
  return { format: JSONL_FORMAT, version: JSONL_VERSION, dialect, migrations, createdAt: at.toISOString() };
}

/**
 * The rows of `tables` read through a cursor in the PostgreSQL transaction `trx`, each table in
 * primary-key order, as backup events in batches of `batchRows`.
 */
export async function* postgresEvents(
  trx: ControlledTransaction<Database> | Kysely<Database>,
  tables: readonly TableInfo[],
  batchRows = 1000,
): AsyncGenerator<BackupEvent> {
  for (const t of tables) {
    yield { type: "table", table: t.name, columns: t.columns };
    const order = t.primaryKey.length ? ` order by ${t.primaryKey.map(quoteIdent).join(", ")}` : "";
    await sql
      .raw(
        `declare hubwire_backup no scroll cursor for select ${t.columns.map(quoteIdent).join(", ")} from ${quoteIdent(t.name)}${order}`,
      )
      .execute(trx);
    for (;;) {
      const { rows } = await sql
        .raw<Record<string, unknown>>(`fetch forward ${batchRows} from hubwire_backup`)
        .execute(trx);
      if (rows.length === 0) break;
      yield { type: "rows", rows: rows.map((r) => t.columns.map((c) => checkValue(r[c], t.name, c))) };
    }
    await sql.raw("close hubwire_backup").execute(trx);
  }
}

async function fileStream(file: string, tmp: TempDir): Promise<{ size: number; stream: Readable }> {
  const { size } = await stat(file);
  const stream = createReadStream(file);
  stream.once("close", () => void tmp.remove());
  return { size, stream };
}

/** A byte stream of `chunks` that calls `release` once when it closes, read to the end or not. */
function streamOf(chunks: AsyncIterable<string>, release: () => Promise<void>): Readable {
  const stream = Readable.from(chunks, { objectMode: false, highWaterMark: 256 * 1024 });
  stream.once("close", () => void release().catch(() => undefined));
  return stream;
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => {
    done ??= fn();
    return done;
  };
}
