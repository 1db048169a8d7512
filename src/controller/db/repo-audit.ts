/**
 * The audit log: append-only, read newest first with an id cursor (ids only grow, so a page
 * boundary never moves while new entries arrive).
 */
import type { Selectable } from "kysely";
import { fromJsonOrNull, type JsonObject, toJson } from "./json.js";
import type { Tx } from "./open.js";
import type { Page } from "./repo-resources.js";
import type { AuditLogTable } from "./schema.js";

/** One entry; `before`/`after` are the object before and after the change, null where there is none. */
export interface AuditEntry {
  id: number;
  /** ISO-8601 UTC. */
  at: string;
  /** `user:NAME`, `token:NAME`, `agent:NODE`, `system`. */
  actor: string;
  /** Where the request came from (address, `cli`, …). */
  source: string;
  action: string;
  kind: string | null;
  name: string | null;
  before: JsonObject | null;
  after: JsonObject | null;
}

/** An entry to append; `at` defaults to now. */
export interface NewAuditEntry {
  at?: string;
  actor: string;
  source: string;
  action: string;
  kind?: string | null;
  name?: string | null;
  before?: JsonObject | null;
  after?: JsonObject | null;
}

/** Filters of {@link listAudit}; all optional ones must match. */
export interface ListAuditQuery {
  actor?: string;
  action?: string;
  kind?: string;
  name?: string;
  /** Entries at or after this time. */
  since?: string;
  /** Entries strictly before this time. */
  until?: string;
  /** Page size, ≥ 1. */
  limit: number;
  /** The `next` of the previous page: only entries with a smaller id. */
  before?: number;
}

function fromRow(row: Selectable<AuditLogTable>): AuditEntry {
  const where = `audit_log ${row.id}`;
  return {
    ...row,
    id: Number(row.id),
    before: fromJsonOrNull<JsonObject>(row.before, where),
    after: fromJsonOrNull<JsonObject>(row.after, where),
  };
}

/** Appends an entry in the caller's transaction (so it commits or rolls back with the change); returns its id. */
export async function appendAudit(tx: Tx, entry: NewAuditEntry): Promise<number> {
  const row = await tx
    .insertInto("audit_log")
    .values({
      at: entry.at ?? new Date().toISOString(),
      actor: entry.actor,
      source: entry.source,
      action: entry.action,
      kind: entry.kind ?? null,
      name: entry.name ?? null,
      before: entry.before == null ? null : toJson(entry.before),
      after: entry.after == null ? null : toJson(entry.after),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

/** One page, newest first. */
export async function listAudit(tx: Tx, query: ListAuditQuery): Promise<Page<AuditEntry, number>> {
  if (!Number.isInteger(query.limit) || query.limit < 1)
    throw new RangeError(`limit must be ≥ 1, not ${query.limit}`);
  let q = tx.selectFrom("audit_log").selectAll();
  if (query.actor !== undefined) q = q.where("actor", "=", query.actor);
  if (query.action !== undefined) q = q.where("action", "=", query.action);
  if (query.kind !== undefined) q = q.where("kind", "=", query.kind);
  if (query.name !== undefined) q = q.where("name", "=", query.name);
  if (query.since !== undefined) q = q.where("at", ">=", query.since);
  if (query.until !== undefined) q = q.where("at", "<", query.until);
  if (query.before !== undefined) q = q.where("id", "<", query.before);
  const rows = await q
    .orderBy("id", "desc")
    .limit(query.limit + 1)
    .execute();
  const items = rows.slice(0, query.limit).map(fromRow);
  return rows.length > query.limit ? { items, next: items[items.length - 1]!.id } : { items };
}
