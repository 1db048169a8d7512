/**
 * What a restore does with the audit log: it keeps it. Everything else in the database is replaced
 * by the backup, but the audit log is the record of what happened on this controller — including
 * what happened after the backup was taken, and the restore itself — and an auditor must still be
 * able to read it afterwards. So the current entries stay as they are (same ids, same contents),
 * and the backup's entries that the log does not already hold are appended after them (new ids,
 * their own times, actors and revisions): a backup of this controller adds nothing (its entries
 * are the log's own past), while a backup restored into a new controller after losing the old
 * one brings that controller's history along. The restore's own entry, written last, names the
 * backup (SHA-256, format, time taken) and how many entries were kept and appended, so appended
 * history is told apart from what this controller recorded itself.
 */
import { createHash } from "node:crypto";
import type BetterSqlite3 from "better-sqlite3";
import type { Kysely } from "kysely";
import type { Tx } from "../db/open.js";
import type { Value } from "./format.js";
import { sqliteRows } from "./sqlite-files.js";
import type { TableInfo } from "./tables.js";

/** The table a restore merges instead of replacing. */
export const AUDIT_TABLE = "audit_log";

/** How the audit log came through a restore. */
export interface AuditMerge {
  /** Entries the log held before, all kept. */
  readonly kept: number;
  /** Entries of the backup the log lacked, appended. */
  readonly appended: number;
  /** Entries of the backup the log held already. */
  readonly alreadyHeld: number;
}

/** An entry's identity without its id: ids of two databases say nothing about each other. */
function contentKey(values: readonly unknown[]): string {
  const text = JSON.stringify(values.map((v) => (v === null || v === undefined ? null : String(v))));
  return createHash("sha256").update(text).digest("base64");
}

/**
 * Appends the entries of `staged`'s audit log that `tx`'s lacks, in the backup's order. Entries
 * are compared by content (every column but the id), counted, so an entry the backup holds twice
 * is appended once for each copy the log lacks.
 */
export async function mergeAudit(
  tx: Tx,
  staged: BetterSqlite3.Database,
  table: TableInfo,
): Promise<AuditMerge> {
  // biome-ignore lint/suspicious/noExplicitAny: the columns are the backup's, read at run time
  const any = tx as Kysely<any>;
  const columns = table.columns.filter((c) => c !== "id");
  const held = new Map<string, number>();
  let kept = 0;
  let after: number | undefined;
  for (;;) {
    let q = any
      .selectFrom(AUDIT_TABLE)
      .select(["id", ...columns])
      .orderBy("id")
      .limit(5000);
    if (after !== undefined) q = q.where("id", ">", after);
    const rows: Array<Record<string, unknown>> = await q.execute();
    for (const row of rows) {
      const key = contentKey(columns.map((c) => row[c]));
      held.set(key, (held.get(key) ?? 0) + 1);
    }
    kept += rows.length;
    if (rows.length < 5000) break;
    after = Number(rows[rows.length - 1]!.id);
  }
  let appended = 0;
  let alreadyHeld = 0;
  const perInsert = Math.max(1, Math.floor(8000 / columns.length));
  for await (const batch of sqliteRows(staged, table, 1000)) {
    const fresh: Value[][] = [];
    for (const row of batch.rows) {
      const values = table.columns.flatMap((c, i) => (c === "id" ? [] : [row[i]!]));
      const key = contentKey(values);
      const n = held.get(key) ?? 0;
      if (n > 0) {
        held.set(key, n - 1);
        alreadyHeld++;
      } else fresh.push(values);
    }
    for (let i = 0; i < fresh.length; i += perInsert) {
      await any
        .insertInto(AUDIT_TABLE)
        .values(
          fresh.slice(i, i + perInsert).map((r) => Object.fromEntries(columns.map((c, j) => [c, r[j]]))),
        )
        .execute();
    }
    appended += fresh.length;
  }
  return { kept, appended, alreadyHeld };
}
