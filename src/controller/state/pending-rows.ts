/**
 * The rows a batch of intent writes leaves to write: resources put or deleted and audit entries,
 * gathered write after write and written together in a few multi-row statements (repo-resources,
 * repo-audit) instead of four or more statements per write. A profile of 50 clients creating
 * spokes showed the per-write statements (savepoint, upsert, labels, audit, release) as the
 * largest part of the commit.
 *
 * What is written is what writing each write's rows in turn would leave: a flush never holds two
 * operations on one resource (a write touching a key already pending flushes first), so the order
 * between the rows of one flush does not matter; audit entries keep the order of their writes
 * (their ids grow in it). Anything that reads the tables inside the transaction must flush first.
 */

import type { Tx } from "../db/open.js";
import type { NewAuditEntry } from "../db/repo-audit.js";
import { appendAudits } from "../db/repo-audit.js";
import { deleteResource, putResources, type ResourceInput } from "../db/repo-resources.js";

/** One write's rows: deletions happen before its puts, as when it wrote them itself. */
export interface WriteRows {
  readonly deletes: ReadonlyArray<{ readonly kind: string; readonly name: string }>;
  readonly puts: readonly ResourceInput[];
  readonly audits: readonly NewAuditEntry[];
}

const keyOf = (r: { readonly kind: string; readonly name: string }) => `${r.kind}/${r.name}`;

export class PendingRows {
  private deletes: Array<{ readonly kind: string; readonly name: string }> = [];
  private puts: ResourceInput[] = [];
  private audits: NewAuditEntry[] = [];
  private readonly keys = new Set<string>();

  /** Adds one write's rows, flushing what is pending first when they touch a resource it does. */
  async add(tx: Tx, rows: WriteRows): Promise<void> {
    if (this.keys.size > 0 && [...rows.deletes, ...rows.puts].some((r) => this.keys.has(keyOf(r)))) {
      await this.flush(tx);
    }
    for (const d of rows.deletes) {
      this.deletes.push(d);
      this.keys.add(keyOf(d));
    }
    for (const p of rows.puts) {
      this.puts.push(p);
      this.keys.add(keyOf(p));
    }
    for (const a of rows.audits) this.audits.push(a);
  }

  /** Writes everything pending through `tx`. */
  async flush(tx: Tx): Promise<void> {
    const { deletes, puts, audits } = this;
    this.deletes = [];
    this.puts = [];
    this.audits = [];
    this.keys.clear();
    for (const d of deletes) await deleteResource(tx, d.kind, d.name);
    if (puts.length > 0) await putResources(tx, puts);
    if (audits.length > 0) await appendAudits(tx, audits);
  }
}
