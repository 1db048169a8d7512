/**
 * The only writer of intent. Every change is validated as a whole against the
 * current intent and written in one transaction with its audit entries and a
 * new revision — or refused with every issue, changing nothing. A single node
 * created, replaced or deleted is checked by the incremental compiler
 * (milliseconds at 10,000 nodes); anything else by a full compile.
 */
import { diffResources, keepPinned, type ResourceChange } from "../../compile/index.js";
import { MAX_RESOURCES_PER_REQUEST, type Resource, tooManyResources } from "../../model/index.js";
import { ApiError } from "../api/errors.js";
import type { JsonObject } from "../db/json.js";
import type { Db, Tx } from "../db/open.js";
import { appendAudit } from "../db/repo-audit.js";
import { getRevision, nextRevision } from "../db/repo-meta.js";
import { allAttachments, putAttachment } from "../db/repo-node-status.js";
import { allResources, deleteResource, putResource } from "../db/repo-resources.js";
import { type Change, compileChange, type EffectiveChange } from "./compile-change.js";
import { Pacer } from "./pace.js";
import { fromRow, toRow } from "./rows.js";
import { resourceKey, Snapshot } from "./snapshot.js";

/** The database lock that orders intent writers across replicas. */
export const INTENT_WRITE_LOCK = 0x68770001;

export type { Change } from "./compile-change.js";

/** Who asked, for the audit log. */
export interface Actor {
  readonly actor: string;
  readonly source: string;
}

export interface ApplyOptions {
  readonly dryRun?: boolean;
  /** `create`: refuse if the resource exists; `replace`/`delete`: refuse if it does not. */
  readonly expect?: "create" | "replace" | "delete";
}

export interface ApplyOutcome {
  /** The revision after the change (unchanged for a dry run or a no-op). */
  readonly revision: number;
  readonly dryRun: boolean;
  readonly changes: readonly ResourceChange[];
  /** Nodes whose configuration changes. */
  readonly nodes: readonly string[];
}

/** Intent as users wrote it: status is controller-owned and never taken from input. */
function withoutStatus(r: Resource): Resource {
  const { status: _status, ...rest } = r;
  return rest as Resource;
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
 * What a `transact` callback decides, having read the current intent inside the write
 * transaction: intent changes (validated and compiled like `apply`'s) and controller-owned records
 * stored as given, status included (Enrollment state), which the compiler does not read as
 * they are.
 */
export interface TransactPlan<T> {
  readonly changes: readonly Change[];
  /**
   * Stored with their status. Only kinds whose effect on compiled intent is carried by `changes`
   * (an Enrollment, whose Node is in `changes`) belong here.
   */
  readonly records?: readonly Resource[];
  readonly result: T;
}

/**
 * How a new snapshot came about: `commit`, a write of this process, with the nodes whose desired
 * state it changed; `reload`, read from the database because its revision moved (another replica
 * wrote, a restore, or the first load), where the nodes affected are not known.
 */
export type SnapshotEvent =
  | { readonly cause: "commit"; readonly nodes: readonly string[] }
  | { readonly cause: "reload" };

/** Called synchronously each time the store moves to a new snapshot; must not throw. */
export type SnapshotListener = (snapshot: Snapshot, event: SnapshotEvent) => void;

export class IntentStore {
  private snapshot?: Snapshot;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<SnapshotListener>();

  constructor(
    private readonly db: Db,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Calls `listener` on every later snapshot change (config delivery wakes long polls so); returns an unsubscribe. */
  watch(listener: SnapshotListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private publish(snapshot: Snapshot, event: SnapshotEvent): void {
    for (const listener of this.listeners) listener(snapshot, event);
  }

  /** The current snapshot, reloaded when another replica (or a restore) moved the revision. */
  async current(): Promise<Snapshot> {
    const revision = await this.db.transaction((tx) => getRevision(tx));
    if (this.snapshot?.revision === revision) return this.snapshot;
    return this.serialize(() => this.db.transaction((tx) => this.load(tx)));
  }

  private async load(tx: Tx): Promise<Snapshot> {
    const revision = await getRevision(tx);
    if (this.snapshot?.revision === revision) return this.snapshot;
    const rows = await allResources(tx);
    this.snapshot = Snapshot.build(revision, rows.map(fromRow), await allAttachments(tx));
    this.publish(this.snapshot, { cause: "reload" });
    return this.snapshot;
  }

  /** Writers in one process go one at a time; across replicas the database lock orders them. */
  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  apply(actor: Actor, changes: readonly Change[], options: ApplyOptions = {}): Promise<ApplyOutcome> {
    // The one bound every writer of many resources (apply, import) passes through.
    if (changes.length > MAX_RESOURCES_PER_REQUEST) {
      return Promise.reject(new ApiError("payload-too-large", tooManyResources(changes.length)));
    }
    return this.serialize(async () => {
      try {
        const { outcome, successor } = await this.db.exclusive(INTENT_WRITE_LOCK, (tx) =>
          this.applyIn(tx, actor, changes, options),
        );
        // Only a committed write moves the snapshot on.
        if (successor) {
          this.snapshot = successor;
          this.publish(successor, { cause: "commit", nodes: outcome.nodes });
        }
        return outcome;
      } catch (error) {
        // The incremental compiler may be ahead of a transaction that failed: rebuild next time.
        if (!(error instanceof ApiError)) this.snapshot = undefined;
        throw error;
      }
    });
  }

  /**
   * Records that `hub` carries spoke `node`'s traffic now (status/attachments.ts decides when) and
   * recompiles the hubs of its network: one new revision, an audit entry (`node-attached`), and
   * the hubs woken like for any commit. Nothing happens when it is attached there already.
   */
  attach(actor: Actor, node: string, hub: string): Promise<ApplyOutcome | undefined> {
    return this.serialize(async () => {
      try {
        const done = await this.db.exclusive(INTENT_WRITE_LOCK, async (tx) => {
          const snap = await this.load(tx);
          const before = snap.compiler.attachmentOf(node);
          if (!before?.hubs.includes(hub) || before.active === hub) return undefined;
          const at = this.now().toISOString();
          const result = snap.compiler.attach(node, hub);
          await putAttachment(tx, { node, hub, since: at });
          const revision = await nextRevision(tx);
          await appendAudit(tx, {
            revision,
            at,
            actor: actor.actor,
            source: actor.source,
            action: "node-attached",
            kind: "Node",
            name: node,
            before: { activeHub: before.active },
            after: { activeHub: hub },
          });
          const outcome: ApplyOutcome = { revision, dryRun: false, changes: [], nodes: result.changed };
          return { outcome, successor: Snapshot.advance(snap, revision, snap.resources) };
        });
        if (!done) return undefined;
        this.snapshot = done.successor;
        this.publish(done.successor, { cause: "commit", nodes: done.outcome.nodes });
        return done.outcome;
      } catch (error) {
        // The compiler moved ahead of a transaction that failed: rebuild next time.
        this.snapshot = undefined;
        throw error;
      }
    });
  }

  /**
   * Runs `fn` inside the intent write transaction (holding the writers' lock), with the intent as
   * of that moment, then applies what it returns in the same transaction: so reads `fn` makes
   * (token uses, nonces, addresses taken) and the intent written cannot be interleaved with
   * another writer. `fn` may write its own rows through `tx`; everything is rolled back when `fn`
   * or the validation of its changes throws.
   */
  transact<T>(
    actor: Actor,
    fn: (tx: Tx, snapshot: Snapshot) => Promise<TransactPlan<T>>,
  ): Promise<{ result: T; outcome: ApplyOutcome }> {
    return this.serialize(async () => {
      try {
        const { result, outcome, successor } = await this.db.exclusive(INTENT_WRITE_LOCK, async (tx) => {
          const snap = await this.load(tx);
          const plan = await fn(tx, snap);
          const applied = await this.applyIn(tx, actor, plan.changes, {}, plan.records ?? []);
          return { result: plan.result, ...applied };
        });
        if (successor) {
          this.snapshot = successor;
          this.publish(successor, { cause: "commit", nodes: outcome.nodes });
        }
        return { result, outcome };
      } catch (error) {
        // As in apply: an ApiError (a refusal by fn, or a change the compiler refused, which
        // leaves it unchanged) keeps the snapshot; anything else may have left the compiler ahead
        // of a rolled-back transaction, so rebuild next time.
        if (!(error instanceof ApiError)) this.snapshot = undefined;
        throw error;
      }
    });
  }

  private async applyIn(
    tx: Tx,
    actor: Actor,
    changes: readonly Change[],
    options: ApplyOptions,
    records: readonly Resource[] = [],
  ): Promise<{ outcome: ApplyOutcome; successor?: Snapshot }> {
    const snap = await this.load(tx);
    const next = new Map(snap.resources);
    for (const r of records) next.set(resourceKey(r.kind, r.metadata.name), r);
    const effective: EffectiveChange[] = [];
    for (const change of changes) {
      const key =
        change.op === "put"
          ? resourceKey(change.resource.kind, change.resource.metadata.name)
          : resourceKey(change.kind, change.name);
      const before = next.get(key);
      if (options.expect === "create" && before)
        throw new ApiError("already-exists", `${key} already exists`);
      if ((options.expect === "replace" || options.expect === "delete") && !before) {
        throw new ApiError("not-found", `${key} does not exist`);
      }
      if (change.op === "put") {
        const after = keepPinned(before, withoutStatus(change.resource));
        if (before && sameIntent(before, after)) continue;
        next.set(key, before?.status ? ({ ...after, status: before.status } as Resource) : after);
        effective.push({ change, before, after });
      } else if (before) {
        next.delete(key);
        effective.push({ change, before });
      }
    }
    if (effective.length === 0 && records.length === 0) {
      return { outcome: { revision: snap.revision, dryRun: !!options.dryRun, changes: [], nodes: [] } };
    }
    const { nodes, successor } = compileChange(snap, next, effective, records, !!options.dryRun);
    // Only the changed resources can differ: diff those, not the whole intent.
    const plan = diffResources(
      effective.flatMap((e) => (e.before ? [e.before] : [])),
      effective.flatMap((e) =>
        e.after ? [next.get(resourceKey(e.after.kind, e.after.metadata.name))!] : [],
      ),
    );
    if (options.dryRun) return { outcome: { revision: snap.revision, dryRun: true, changes: plan, nodes } };

    const at = this.now().toISOString();
    // Taken first so every audit entry of this change names the revision it makes.
    const revision = await nextRevision(tx);
    // Thousands of writes in one apply: hand the event loop back between them.
    const pacer = new Pacer();
    await pacer.tick();
    for (const r of records) await putResource(tx, toRow(r));
    for (const { change, before, after } of effective) {
      await pacer.tick();
      const stored =
        change.op === "put" ? next.get(resourceKey(after!.kind, after!.metadata.name))! : undefined;
      if (stored) await putResource(tx, toRow(stored));
      else await deleteResource(tx, before!.kind, before!.metadata.name);
      const action = change.op === "delete" ? "delete" : before ? "update" : "create";
      const target = (after ?? before)!;
      await appendAudit(tx, {
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
    }
    return { outcome: { revision, dryRun: false, changes: plan, nodes }, successor: successor(revision) };
  }
}
