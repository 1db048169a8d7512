/**
 * One write's changes staged against a snapshot: refused (DomainError) or validated and compiled,
 * with the resource rows and audit entries its batch's commit writes. Nothing here touches the
 * database; the intent store (intent-store.ts) queues, commits and answers.
 */
import { diffResources, type ResourceChange } from "../../compile/index.js";
import type { Resource } from "../../model/index.js";
import type { JsonObject } from "../db/json.js";
import type { NewAuditEntry } from "../db/repo-audit.js";
import type { ResourceInput } from "../db/repo-resources.js";
import { DomainError } from "../errors.js";
import { type Change, compileChange, type EffectiveChange } from "./compile-change.js";
import { type RestorableStatus, restoredStatus } from "./enrollment-restore.js";
import { LayeredMap } from "./layered-map.js";
import { noteDerived } from "./lineage.js";
import { Pacer } from "./pace.js";
import type { WriteRows } from "./pending-rows.js";
import { pinnedPut } from "./pinning.js";
import { toRow } from "./rows.js";
import { resourceKey, type Snapshot } from "./snapshot.js";

/** Who asked, for the audit log. */
export interface Actor {
  readonly actor: string;
  readonly source: string;
}

export interface ApplyOptions {
  readonly dryRun?: boolean;
  /** `create`: refuse if the resource exists; `replace`/`delete`: refuse if it does not. */
  readonly expect?: "create" | "replace" | "delete";
  /**
   * Restore the state a new Enrollment brings in its `status` (an export re-applied:
   * enrollment-restore.ts); the caller has checked the actor may decide enrollments. Otherwise
   * status is ignored.
   */
  readonly restoreEnrollmentState?: boolean;
}

export interface ApplyOutcome {
  /** The revision after the change (unchanged for a dry run or a no-op). */
  readonly revision: number;
  readonly dryRun: boolean;
  readonly changes: readonly ResourceChange[];
  /** Nodes whose configuration changes. */
  readonly nodes: readonly string[];
}

/** JSON with object keys sorted, so equal intent compares equal however its keys were ordered. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

const sameIntent = (a: Resource, b: Resource) =>
  canonical([a.metadata, a.spec]) === canonical([b.metadata, b.spec]);

/**
 * What one write decided inside the batch: `successor` when it changed the intent (the snapshot
 * after it, given the batch's revision), and its answer once the batch's revision is known.
 */
export interface Staged<T> {
  readonly successor?: (revision: number) => Snapshot;
  readonly nodes: readonly string[];
  /** Rows the commit writes for it (with the batch's other rows, see pending-rows.ts). */
  readonly rows?: WriteRows;
  answer(revision: number): T;
}

/** An apply's outcome with the intent it leaves, for answers that show the resource as stored. */
export interface StagedOutcome extends ApplyOutcome {
  readonly resources: ReadonlyMap<string, Resource>;
}

export const outcomeOf = ({ resources: _resources, ...outcome }: StagedOutcome): ApplyOutcome => outcome;

/**
 * One apply's changes against `snap`: validated and compiled, with the rows and audit entries
 * to write. Refusals (DomainError) come before any row is decided, and nothing here touches the
 * database: the commit writes the rows.
 */
export async function stageChanges(
  snap: Snapshot,
  /** The revision this change makes if its batch commits. */
  revision: number,
  actor: Actor,
  changes: readonly Change[],
  options: ApplyOptions,
  records: readonly Resource[],
  /** The time audit entries record. */
  now: () => Date,
): Promise<Staged<StagedOutcome>> {
  const proposed = new LayeredMap(snap.resources);
  for (const r of records) proposed.set(resourceKey(r.kind, r.metadata.name), r);
  const proposedChanges: EffectiveChange[] = [];
  /** New Enrollments whose exported state is restored, by key (audited on their own). */
  const restoring = new Map<string, RestorableStatus>();
  for (const change of changes) {
    const key =
      change.op === "put"
        ? resourceKey(change.resource.kind, change.resource.metadata.name)
        : resourceKey(change.kind, change.name);
    const before = proposed.get(key);
    if (options.expect === "create" && before)
      throw new DomainError("already-exists", `${key} already exists`);
    if ((options.expect === "replace" || options.expect === "delete") && !before) {
      throw new DomainError("not-found", `${key} does not exist`);
    }
    if (change.op === "put") {
      const after = pinnedPut(before, change.resource);
      const restored = options.restoreEnrollmentState ? restoredStatus(change.resource, before) : undefined;
      if (restored) restoring.set(key, restored);
      if (before && sameIntent(before, after)) continue;
      const status = restored ?? before?.status;
      proposed.set(key, status ? ({ ...after, status } as Resource) : after);
      proposedChanges.push({ change, before, after });
    } else if (before) {
      proposed.delete(key);
      proposedChanges.push({ change, before });
    }
  }
  const unchanged = (revision: number): StagedOutcome => ({
    revision,
    dryRun: !!options.dryRun,
    changes: [],
    nodes: [],
    resources: snap.resources,
  });
  if (proposedChanges.length === 0 && records.length === 0) return { nodes: [], answer: unchanged };
  noteDerived(proposed, snap.resources, [
    ...records.map((r) => resourceKey(r.kind, r.metadata.name)),
    ...proposedChanges.map(({ before, after }) =>
      resourceKey((after ?? before)!.kind, (after ?? before)!.metadata.name),
    ),
  ]);
  const { next, effective, nodes, successor } = compileChange(
    snap,
    proposed,
    proposedChanges,
    records,
    !!options.dryRun,
  );
  // Only the changed resources can differ: diff those, not the whole intent.
  const plan = diffResources(
    effective.flatMap((e) => (e.before ? [e.before] : [])),
    effective.flatMap((e) => (e.after ? [next.get(resourceKey(e.after.kind, e.after.metadata.name))!] : [])),
  );
  if (options.dryRun) {
    return {
      nodes: [],
      answer: (revision) => ({ revision, dryRun: true, changes: plan, nodes, resources: snap.resources }),
    };
  }

  const at = now().toISOString();
  // Thousands of writes in one apply: a few multi-row statements (one round trip each on
  // PostgreSQL), in the order of the changes; the audit entries in that order too.
  const puts: ResourceInput[] = records.map(toRow);
  const deletes: Array<{ kind: string; name: string }> = [];
  const audits: NewAuditEntry[] = [];
  const pacer = new Pacer();
  for (const { change, before, after } of effective) {
    await pacer.tick();
    const stored =
      change.op === "put" ? next.get(resourceKey(after!.kind, after!.metadata.name))! : undefined;
    if (stored) puts.push(toRow(stored));
    else deletes.push({ kind: before!.kind, name: before!.metadata.name });
    const action = change.op === "delete" ? "delete" : before ? "update" : "create";
    const target = (after ?? before)!;
    audits.push({
      at,
      actor: actor.actor,
      source: actor.source,
      action,
      kind: target.kind,
      name: target.metadata.name,
      before: (before as unknown as JsonObject) ?? null,
      after: (after as unknown as JsonObject) ?? null,
      revision,
    });
    const restored = after && restoring.get(resourceKey(after.kind, after.metadata.name));
    if (restored) {
      // Setting a state is an enrollment decision: its own entry, as approve/revoke write one.
      audits.push({
        at,
        actor: actor.actor,
        source: actor.source,
        action: "restore-state",
        kind: "Enrollment",
        name: after.metadata.name,
        before: null,
        after: restored as unknown as JsonObject,
        revision,
      });
    }
  }
  return {
    nodes,
    successor,
    rows: { deletes, puts, audits },
    answer: (revision) => ({ revision, dryRun: false, changes: plan, nodes, resources: next }),
  };
}
