/**
 * Restoring a backup into a running controller: all of the database's contents are replaced in
 * one transaction, or — for any problem with the backup — nothing changes.
 *
 * 1. Stage: the upload becomes a private SQLite file at this build's schema. A SQLite backup must
 *    pass `PRAGMA integrity_check`; a JSON-lines backup is loaded into a new file made with
 *    exactly the migrations its header names, and must end with a matching end line (hash and
 *    counts). A backup from a newer schema is refused; an older one is migrated forward. Rows
 *    that break a constraint or point at missing rows are refused. The intent in it must compile,
 *    and it must keep an administrator (an enabled admin user or a valid admin API token).
 * 2. Replace: in one transaction holding the intent writers' lock (and, on PostgreSQL, an
 *    exclusive lock on every table, so no replica reads a half-restored database), delete every
 *    row, insert the staged rows parents first, move identity sequences past the restored ids, set
 *    the revision past both the old and the restored one — so every replica reloads its intent —
 *    and append an audit entry saying who restored what. The audit log is the one table not
 *    replaced: its entries are kept and the backup's are merged in (audit-merge.ts).
 */

import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { type Kysely, sql } from "kysely";
import { type Resource, ValidationError } from "../../model/index.js";
import { MIGRATIONS, migrate } from "../db/migrations.js";
import type { Tx } from "../db/open.js";
import { appendAudit } from "../db/repo-audit.js";
import { getMeta, getRevision } from "../db/repo-meta.js";
import { allResources } from "../db/repo-resources.js";
import type { Database, DialectName } from "../db/schema.js";
import type { Actor, IntentStore } from "../state/intent-store.js";
import { fromRow, toRow } from "../state/rows.js";
import { Snapshot } from "../state/snapshot.js";
import { AUDIT_TABLE, mergeAudit } from "./audit-merge.js";
import {
  type BackupFormat,
  BackupFormatError,
  BackupRefusedError,
  openJsonl,
  sniffFormat,
} from "./format.js";
import { checkRows, resourceIssues } from "./row-checks.js";
import { isSqliteDataError, loadIntoSqlite, sqliteKysely, sqliteRows } from "./sqlite-files.js";
import { appliedMigrations, describeTables, MIGRATIONS_TABLE, quoteIdent, type TableInfo } from "./tables.js";

/** How often a restore is retried when PostgreSQL aborts it for a deadlock. */
const MAX_ATTEMPTS = 5;

/** What a restore did; the API's answer. */
export interface RestoreSummary {
  readonly format: BackupFormat;
  /** Where the backup came from, when it says (JSON lines do). */
  readonly sourceDialect?: DialectName;
  /** When the backup was taken, when it says (JSON lines do). */
  readonly createdAt?: string;
  /** The schema of the backup as uploaded (before migrating forward). */
  readonly migrations: readonly string[];
  /** Rows restored per table. */
  readonly tables: Readonly<Record<string, number>>;
  readonly rows: number;
  /** The intent revision after the restore. */
  readonly revision: number;
}

interface Staged {
  readonly handle: BetterSqlite3.Database;
  readonly kysely: Kysely<Database>;
  readonly format: BackupFormat;
  readonly sourceDialect?: DialectName;
  readonly createdAt?: string;
  readonly migrations: readonly string[];
  /** SHA-256 of the file as uploaded (seal removed), hex: names the backup in the audit log. */
  readonly sha256: string;
}

/**
 * Restores the backup in `file` into `db`, using `workDir` (private, empty) for the staged copy.
 * Throws {@link BackupFormatError} for a file that is not a readable backup and
 * {@link BackupRefusedError} for one this controller will not take; `db` is then unchanged.
 */
export async function restoreBackup(
  intent: IntentStore,
  dialect: DialectName,
  file: string,
  workDir: string,
  actor: Actor,
): Promise<RestoreSummary> {
  const staged = await stage(file, workDir);
  try {
    await checkContents(staged.kysely);
    return await replaceAll(intent, dialect, staged, actor);
  } finally {
    await staged.kysely.destroy();
  }
}

async function stage(file: string, workDir: string): Promise<Staged> {
  const head = Buffer.alloc(64);
  const fh = await open(file, "r");
  let length: number;
  try {
    ({ bytesRead: length } = await fh.read(head, 0, head.length, 0));
  } finally {
    await fh.close();
  }
  if (length === 0) throw new BackupFormatError("the backup is empty");
  const format = sniffFormat(head.subarray(0, length));
  const sha256 = await fileSha256(file);
  if (format === "sqlite") return { ...(await stageSqlite(file)), sha256 };
  if (format === "jsonl") return { ...(await stageJsonl(file, join(workDir, "staged.sqlite"))), sha256 };
  throw new BackupFormatError(
    "this is not a hubwire backup: neither a SQLite database nor hubwire JSON lines (see `hubwire backup`)",
  );
}

async function stageSqlite(file: string): Promise<Omit<Staged, "sha256">> {
  let handle: BetterSqlite3.Database;
  try {
    handle = new BetterSqlite3(file, { fileMustExist: true });
  } catch (error) {
    throw new BackupFormatError(`the SQLite backup cannot be opened: ${(error as Error).message}`);
  }
  const kysely = sqliteKysely(handle);
  try {
    // The file is untrusted input: no SQL functions with side effects from its schema.
    handle.pragma("trusted_schema = off");
    handle.pragma("cell_size_check = on");
    let problems: string[];
    try {
      problems = (handle.pragma("integrity_check") as Array<{ integrity_check: string }>).map(
        (r) => r.integrity_check,
      );
    } catch (error) {
      throw new BackupFormatError(
        `the SQLite backup is corrupt or truncated: ${(error as Error).message} (an interrupted download?)`,
      );
    }
    if (problems.length !== 1 || problems[0] !== "ok") {
      throw new BackupFormatError(
        `the SQLite backup is corrupt or truncated (integrity check: ${problems.slice(0, 3).join("; ")})`,
      );
    }
    const hasMigrations = handle
      .prepare("select 1 from sqlite_master where type = 'table' and name = ?")
      .get(MIGRATIONS_TABLE);
    if (!hasMigrations) {
      throw new BackupFormatError(
        `this SQLite file is not a hubwire database (it has no ${MIGRATIONS_TABLE} table)`,
      );
    }
    const migrations = await appliedMigrations(kysely);
    refuseUnknown(migrations);
    const dangling = handle.prepare("pragma foreign_key_check").all();
    if (dangling.length) {
      throw new BackupRefusedError(
        `the backup is inconsistent: ${dangling.length} row(s) point at rows that do not exist`,
      );
    }
    await migrate(kysely, "sqlite");
    return { handle, kysely, format: "sqlite", migrations };
  } catch (error) {
    await kysely.destroy();
    throw error;
  }
}

async function stageJsonl(file: string, stagedFile: string): Promise<Omit<Staged, "sha256">> {
  const { header, events, close } = await openJsonl(file);
  try {
    refuseUnknown(header.migrations);
    await (await open(stagedFile, "wx", 0o600)).close();
  } catch (error) {
    await close();
    throw error;
  }
  const handle = new BetterSqlite3(stagedFile);
  const kysely = sqliteKysely(handle);
  try {
    // A scratch file: a crash loses nothing that matters, so no fsync.
    handle.pragma("synchronous = off");
    await migrate(
      kysely,
      "sqlite",
      MIGRATIONS.filter((m) => header.migrations.includes(m.id)),
    );
    await loadIntoSqlite(handle, events, await describeTables(kysely, "sqlite"));
    await migrate(kysely, "sqlite");
    return {
      handle,
      kysely,
      format: "jsonl",
      sourceDialect: header.dialect,
      createdAt: header.createdAt,
      migrations: header.migrations,
    };
  } catch (error) {
    await close().catch(() => undefined);
    await kysely.destroy();
    throw error;
  }
}

async function fileSha256(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

function refuseUnknown(migrations: readonly string[]): void {
  const known = new Set(MIGRATIONS.map((m) => m.id));
  const unknown = migrations.filter((id) => !known.has(id));
  if (unknown.length) {
    throw new BackupRefusedError(
      `the backup was made by a newer hubwire: its schema has migrations this controller does not know (${unknown.join(", ")}); upgrade the controller first`,
    );
  }
}

/**
 * The staged intent must compile, and the columns and label rows derived from each resource
 * must agree with it (a hand-edited backup could break either, and lists filter on them); and
 * someone must be able to administer the result.
 */
async function checkContents(kysely: Kysely<Database>): Promise<void> {
  const rows = await allResources(kysely).catch((error: Error) => {
    throw new BackupRefusedError(`the backup's intent cannot be read: ${error.message}`);
  });
  const resources: Resource[] = [];
  const labels = new Set<string>();
  for (const row of rows) {
    const where = `${row.kind}/${row.name}`;
    let resource: Resource;
    try {
      resource = fromRow(row);
    } catch (error) {
      throw new BackupRefusedError(`the backup's intent cannot be read: ${(error as Error).message}`);
    }
    const derived = toRow(resource);
    for (const column of ["name", "network", "role", "state"] as const) {
      if (derived[column] !== row[column]) {
        throw new BackupRefusedError(
          `the backup is inconsistent: the ${column} column of ${where} disagrees with the resource`,
        );
      }
    }
    const invalid = resourceIssues(resource, where);
    if (invalid.length > 0) {
      throw new BackupRefusedError(
        `the backup holds a resource the API would refuse: ${where} (${invalid[0]!.path}: ${invalid[0]!.message})`,
        invalid,
      );
    }
    for (const [key, value] of Object.entries(resource.metadata.labels ?? {}))
      labels.add(JSON.stringify([row.kind, row.name, key, value]));
    resources.push(resource);
  }
  const stored = await kysely.selectFrom("resource_labels").selectAll().execute();
  const bad = await checkRows(kysely);
  if (bad.length > 0) {
    const first = bad[0]!;
    throw new BackupRefusedError(
      `the backup holds rows the API would refuse: ${first.kind} ${first.name} ${first.path}: ${first.message}`,
      bad,
    );
  }
  await requireAdministrator(kysely);
  if (
    stored.length !== labels.size ||
    !stored.every((l) => labels.has(JSON.stringify([l.kind, l.name, l.key, l.value])))
  ) {
    throw new BackupRefusedError(
      "the backup is inconsistent: resource_labels disagrees with the resources' labels",
    );
  }
  try {
    Snapshot.build(0, resources);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new BackupRefusedError(
      `the backup's intent is invalid (${error.issues.length} issue${error.issues.length === 1 ? "" : "s"}); nothing was restored`,
      error.issues,
    );
  }
}

/**
 * Refuses a backup after which nobody could administer the controller: it must hold an enabled
 * admin user or a live admin API token. (Every real backup does: the first start creates
 * `admin`.)
 */
async function requireAdministrator(kysely: Kysely<Database>): Promise<void> {
  const now = new Date().toISOString();
  const user = await kysely
    .selectFrom("users")
    .select("id")
    .where("role", "=", "admin")
    .where("disabled", "=", 0)
    .executeTakeFirst();
  const token = await kysely
    .selectFrom("api_tokens")
    .select("id")
    .where("role", "=", "admin")
    .where("revoked_at", "is", null)
    .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", now)]))
    .executeTakeFirst();
  if (!user && !token) {
    throw new BackupRefusedError(
      "the backup has no enabled admin user and no valid admin API token: after restoring it nobody could administer this controller",
    );
  }
}

async function replaceAll(
  intent: IntentStore,
  dialect: DialectName,
  staged: Staged,
  actor: Actor,
): Promise<RestoreSummary> {
  const stagedTables = await describeTables(staged.kysely, "sqlite");
  const backupRevision = Number((await getMeta(staged.kysely, "revision")) ?? 0);
  for (let attempt = 1; ; attempt++) {
    try {
      return await intent.replaceAll((tx, revisionAfter) =>
        replaceIn(tx, dialect, staged, stagedTables, revisionAfter(backupRevision), actor),
      );
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      if (attempt < MAX_ATTEMPTS && (code === "40P01" || code === "40001")) continue;
      if (isSqliteDataError(error) || (typeof code === "string" && code.startsWith("23"))) {
        throw new BackupRefusedError(
          `the backup's rows break this controller's schema: ${(error as Error).message}`,
        );
      }
      throw error;
    }
  }
}

async function replaceIn(
  tx: Tx,
  dialect: DialectName,
  staged: Staged,
  stagedTables: readonly TableInfo[],
  /** The revision the store sets after the restore. */
  revision: number,
  actor: Actor,
): Promise<RestoreSummary> {
  // biome-ignore lint/suspicious/noExplicitAny: tables are named at run time
  const any = tx as Kysely<any>;
  const live = await describeTables(tx, dialect);
  const mismatch = schemaMismatch(live, stagedTables);
  if (mismatch) throw new BackupRefusedError(`the backup does not fit this controller's schema: ${mismatch}`);
  if (dialect === "postgres") {
    await sql
      .raw(
        `lock table ${[...live.map((t) => t.name), MIGRATIONS_TABLE].map(quoteIdent).join(", ")} in access exclusive mode`,
      )
      .execute(tx);
  }
  const before = await getRevision(tx);
  // The audit log is merged, not replaced (audit-merge.ts says why).
  const replaced = live.filter((t) => t.name !== AUDIT_TABLE);
  for (const t of [...replaced].reverse()) await any.deleteFrom(t.name).execute();
  const tables: Record<string, number> = {};
  let rows = 0;
  for (const t of replaced) {
    tables[t.name] = 0;
    const perInsert = Math.max(1, Math.min(1000, Math.floor(8000 / t.columns.length)));
    for await (const batch of sqliteRows(staged.handle, t, perInsert)) {
      await any
        .insertInto(t.name)
        .values(batch.rows.map((r) => Object.fromEntries(t.columns.map((c, i) => [c, r[i]]))))
        .execute();
      tables[t.name]! += batch.rows.length;
      rows += batch.rows.length;
    }
  }
  if (dialect === "postgres") await resetSequences(tx);
  const auditTable = live.find((t) => t.name === AUDIT_TABLE);
  const audit = auditTable ? await mergeAudit(tx, staged.handle, auditTable) : undefined;
  if (audit) {
    tables[AUDIT_TABLE] = audit.appended + audit.alreadyHeld;
    rows += tables[AUDIT_TABLE];
  }
  const summary: RestoreSummary = {
    format: staged.format,
    ...(staged.sourceDialect ? { sourceDialect: staged.sourceDialect } : {}),
    ...(staged.createdAt ? { createdAt: staged.createdAt } : {}),
    migrations: staged.migrations,
    tables,
    rows,
    revision,
  };
  await appendAudit(tx, {
    actor: actor.actor,
    source: actor.source,
    action: "restore",
    kind: null,
    name: null,
    before: { revision: before },
    after: { ...summary, sha256: staged.sha256, ...(audit ? { audit: { ...audit } } : {}) },
    revision,
  });
  return summary;
}

/** Why two schemas differ (tables or columns), or undefined when they hold the same columns. */
function schemaMismatch(live: readonly TableInfo[], staged: readonly TableInfo[]): string | undefined {
  const names = (ts: readonly TableInfo[]) => ts.map((t) => t.name).sort();
  if (JSON.stringify(names(live)) !== JSON.stringify(names(staged))) {
    return `tables ${names(staged).join(", ")} instead of ${names(live).join(", ")}`;
  }
  for (const t of live) {
    const other = staged.find((s) => s.name === t.name)!;
    if (JSON.stringify([...t.columns].sort()) !== JSON.stringify([...other.columns].sort())) {
      return `table ${t.name} has columns ${other.columns.join(", ")} instead of ${t.columns.join(", ")}`;
    }
  }
  return undefined;
}

/** Moves every identity or serial sequence just past the largest restored id, so new rows get fresh ids. */
async function resetSequences(tx: Tx): Promise<void> {
  const { rows } = await sql<{ table_name: string; column_name: string }>`
    select table_name, column_name from information_schema.columns
    where table_schema = current_schema() and (is_identity = 'YES' or column_default like 'nextval(%')
  `.execute(tx);
  for (const { table_name: table, column_name: column } of rows) {
    await sql`
      select setval(
        pg_get_serial_sequence(${quoteIdent(table)}, ${column}),
        coalesce((select max(${sql.id(column)}) from ${sql.id(table)}), 0) + 1,
        false
      )
    `.execute(tx);
  }
}
