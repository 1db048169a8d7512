/**
 * The audit log: append-only, read newest first with an id cursor (ids only grow, so a page
 * boundary never moves while new entries arrive).
 */
import type { Selectable } from "kysely";
import type { AuditEntry } from "../audit/entry.js";
import { fromJsonOrNull, type JsonObject, toJson } from "./json.js";
import type { Tx } from "./open.js";
import type { Page } from "./repo-resources.js";
import type { AuditLogTable } from "./schema.js";

export type { AuditEntry };

/** An entry to append; `at` defaults to now, the rest to null. */
export type NewAuditEntry = Pick<AuditEntry, "actor" | "source" | "action"> &
  Partial<Pick<AuditEntry, "at" | "kind" | "name" | "revision">> & {
    before?: JsonObject | null;
    after?: JsonObject | null;
  };

/** Filters of {@link listAudit}; all optional ones must match. */
export interface ListAuditQuery {
  actor?: string;
  action?: string;
  kind?: string;
  name?: string;
  /** Only the entries of the change that made this revision. */
  revision?: number;
  /** Entries at or after this time. */
  since?: string;
  /** Entries strictly before this time. */
  until?: string;
  /** Page size, ≥ 1. */
  limit: number;
  /** The `next` of the previous page: only entries with a smaller id. */
  before?: number;
  /**
   * Never end a page inside a change: the page goes on past `limit` until its last entry's
   * revision ends (a UI showing one apply as one group needs all of it on one page).
   */
  wholeRevisions?: boolean;
}

function fromRow(row: Selectable<AuditLogTable>): AuditEntry {
  const where = `audit_log ${row.id}`;
  return {
    ...row,
    id: Number(row.id),
    revision: row.revision === null ? null : Number(row.revision),
    before: fromJsonOrNull<JsonObject>(row.before, where),
    after: fromJsonOrNull<JsonObject>(row.after, where),
  };
}

/** Appends an entry in the caller's transaction (so it commits or rolls back with the change); returns its id. */
export async function appendAudit(tx: Tx, entry: NewAuditEntry): Promise<number> {
  const row = await tx
    .insertInto("audit_log")
    .values(auditRow(entry))
    .returning("id")
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

/** Entries per statement in {@link appendAudits}. */
const ENTRIES_PER_STATEMENT = 500;

/** {@link appendAudit} for many entries, in order (ids grow in the order given), in a few statements. */
export async function appendAudits(tx: Tx, entries: readonly NewAuditEntry[]): Promise<void> {
  for (let i = 0; i < entries.length; i += ENTRIES_PER_STATEMENT)
    await tx
      .insertInto("audit_log")
      .values(entries.slice(i, i + ENTRIES_PER_STATEMENT).map(auditRow))
      .execute();
}

function auditRow(entry: NewAuditEntry) {
  return {
    at: entry.at ?? new Date().toISOString(),
    actor: entry.actor,
    source: entry.source,
    action: entry.action,
    kind: entry.kind ?? null,
    name: entry.name ?? null,
    before: entry.before == null ? null : toJson(entry.before),
    after: entry.after == null ? null : toJson(entry.after),
    revision: entry.revision ?? null,
  };
}

/** One page, newest first. */
export async function listAudit(tx: Tx, query: ListAuditQuery): Promise<Page<AuditEntry, number>> {
  if (!Number.isInteger(query.limit) || query.limit < 1)
    throw new RangeError(`limit must be ≥ 1, not ${query.limit}`);
  const rows = await selectAudit(tx, query, query.before, query.limit + 1);
  const items = rows.slice(0, query.limit).map(fromRow);
  if (rows.length <= query.limit) return { items };
  if (!query.wholeRevisions) return { items, next: items[items.length - 1]!.id };
  const n = items.length;
  await completeRevision(tx, query, items);
  const last = items[items.length - 1]!;
  // Completing the last change may have reached the end of the log.
  if (items.length > n && (await selectAudit(tx, query, last.id, 1)).length === 0) return { items };
  return { items, next: last.id };
}

function selectAudit(tx: Tx, query: ListAuditQuery, before: number | undefined, limit: number) {
  let q = tx.selectFrom("audit_log").selectAll();
  if (query.actor !== undefined) q = q.where("actor", "=", query.actor);
  if (query.action !== undefined) q = q.where("action", "=", query.action);
  if (query.kind !== undefined) q = q.where("kind", "=", query.kind);
  if (query.name !== undefined) q = q.where("name", "=", query.name);
  if (query.revision !== undefined) q = q.where("revision", "=", query.revision);
  if (query.since !== undefined) q = q.where("at", ">=", query.since);
  if (query.until !== undefined) q = q.where("at", "<", query.until);
  if (before !== undefined) q = q.where("id", "<", before);
  return q.orderBy("id", "desc").limit(limit).execute();
}

/**
 * Extends `items` (a page, newest first) with the older entries that continue its last entry's
 * revision, so one change is never split across two pages.
 */
async function completeRevision(tx: Tx, query: ListAuditQuery, items: AuditEntry[]): Promise<void> {
  const revision = items[items.length - 1]!.revision;
  if (revision === null) return;
  for (;;) {
    const batch = await selectAudit(tx, query, items[items.length - 1]!.id, query.limit);
    for (const row of batch) {
      if (row.revision === null || Number(row.revision) !== revision) return;
      items.push(fromRow(row));
    }
    if (batch.length < query.limit) return;
  }
}
