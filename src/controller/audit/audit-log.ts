/**
 * The audit log as the API sees it: entries recorded on their own (a change made elsewhere
 * records its entry in its own transaction) and read back a page at a time.
 */
import type { Db } from "../db/open.js";
import { appendAudit, type ListAuditQuery, listAudit, type NewAuditEntry } from "../db/repo-audit.js";
import type { Page } from "../db/repo-resources.js";
import type { AuditEntry } from "./entry.js";

export type { ListAuditQuery, NewAuditEntry };

/** Records one entry that no other write goes with (a login failure, a backup taken). */
export function recordAudit(db: Db, entry: NewAuditEntry): Promise<number> {
  return db.transaction((tx) => appendAudit(tx, entry));
}

/** One page, newest first. */
export function auditPage(db: Db, query: ListAuditQuery): Promise<Page<AuditEntry, number>> {
  return db.transaction((tx) => listAudit(tx, query));
}
