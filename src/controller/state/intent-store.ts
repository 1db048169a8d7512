/**
 * The only writer of intent. Every change is validated as a whole against the
 * intent as it stands after the changes before it, and written with its audit
 * entries — or refused with every issue, changing nothing. A single node created,
 * replaced or deleted is checked by the incremental compiler (milliseconds at
 * 10,000 nodes); anything else by a full compile.
 *
 * Group commit: every write waiting when the writer is free is taken as one batch
 * (up to MAX_BATCH) and committed in one transaction under the writers' lock with
 * one new revision. A write refused by validation is answered with its own error and
 * leaves nothing behind; the others still commit. An `apply` decides everything before
 * it writes a row, so its rows (resources, labels, audit entries) join the batch's
 * multi-row statements (pending-rows.ts); a write that writes through the transaction
 * itself (`transact`, `attach`) runs in its own savepoint, after what is pending was
 * written. Every answer waits for the commit (fsync included).
 */
import { sql } from "kysely";
import { MAX_RESOURCES_PER_REQUEST, type Resource, tooManyResources } from "../../model/index.js";
import type { Db, Tx } from "../db/open.js";
import { appendAudit } from "../db/repo-audit.js";
import { getRevision, nextRevision, setMeta } from "../db/repo-meta.js";
import { allAttachments, putAttachment } from "../db/repo-node-status.js";
import { allResources } from "../db/repo-resources.js";
import { DomainError } from "../errors.js";
import type { Change } from "./compile-change.js";
import { PendingRows } from "./pending-rows.js";
import { presharedKeyGeneration } from "./preshared-keys.js";
import { fromRow } from "./rows.js";
import { resourceKey, Snapshot } from "./snapshot.js";
import {
  type Actor,
  type ApplyOptions,
  type ApplyOutcome,
  outcomeOf,
  type Staged,
  stageChanges,
} from "./stage-changes.js";

/** The database lock that orders intent writers across replicas. */
export const INTENT_WRITE_LOCK = 0x68770001;

export type { Change } from "./compile-change.js";
export type { Actor, ApplyOptions, ApplyOutcome } from "./stage-changes.js";

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

/** The most writes one batch commits; the rest wait for the next. */
export const MAX_BATCH = 256;

interface Write<T> {
  /** `revision`: the one the batch makes if anything in it writes (audit entries name it). */
  run(tx: Tx, snapshot: Snapshot, revision: number): Promise<Staged<T>>;
  /**
   * Whether `run` reads or writes tables through `tx` (so it needs the rows before it written,
   * and a savepoint to undo its own when refused); false: it only returns rows.
   */
  readonly usesTx: boolean;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export class IntentStore {
  private snapshot?: Snapshot;
  private readonly waiting: Write<unknown>[] = [];
  /** The batch being committed, or a replaceAll/reload holding the writer. */
  private busy: Promise<void> = Promise.resolve();
  private draining = false;
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
    return this.exclusively(() => this.db.transaction((tx) => this.load(tx)));
  }

  private async load(tx: Tx): Promise<Snapshot> {
    const revision = await getRevision(tx);
    if (this.snapshot?.revision === revision) return this.snapshot;
    const rows = await allResources(tx);
    this.snapshot = Snapshot.build(
      revision,
      rows.map(fromRow),
      await allAttachments(tx),
      await presharedKeyGeneration(tx),
    );
    this.publish(this.snapshot, { cause: "reload" });
    return this.snapshot;
  }

  apply(actor: Actor, changes: readonly Change[], options: ApplyOptions = {}): Promise<ApplyOutcome> {
    // The one bound every writer of many resources (apply, import) passes through.
    if (changes.length > MAX_RESOURCES_PER_REQUEST) {
      return Promise.reject(new DomainError("payload-too-large", tooManyResources(changes.length)));
    }
    return this.enqueue(false, (_tx, snap, revision) =>
      stageChanges(snap, revision, actor, changes, options, [], this.now),
    ).then(outcomeOf);
  }

  /**
   * `apply` of one change, also giving the resource as this write left it (status included;
   * undefined when deleted): what a route answers with, without reading it back.
   */
  async applyOne(
    actor: Actor,
    change: Change,
    options: ApplyOptions = {},
  ): Promise<{ outcome: ApplyOutcome; stored: Resource | undefined }> {
    const key =
      change.op === "put"
        ? resourceKey(change.resource.kind, change.resource.metadata.name)
        : resourceKey(change.kind, change.name);
    const staged = await this.enqueue(false, (_tx, snap, revision) =>
      stageChanges(snap, revision, actor, [change], options, [], this.now),
    );
    return { outcome: outcomeOf(staged), stored: staged.resources.get(key) };
  }

  /**
   * Records that `hub` carries spoke `node`'s traffic now (status/attachments.ts decides when) and
   * recompiles the hubs of its network: a new revision, an audit entry (`node-attached`), and the
   * hubs woken like for any commit. Nothing happens when it is attached there already.
   */
  attach(actor: Actor, node: string, hub: string): Promise<ApplyOutcome | undefined> {
    return this.enqueue(true, async (tx, snap, revision): Promise<Staged<ApplyOutcome | undefined>> => {
      const before = snap.compiler.attachmentOf(node);
      if (!before?.hubs.includes(hub) || before.active === hub) return { nodes: [], answer: () => undefined };
      const at = this.now().toISOString();
      const result = snap.compiler.attach(node, hub);
      await putAttachment(tx, { node, hub, since: at });
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
      return {
        nodes: result.changed,
        successor: (revision) => Snapshot.advance(snap, revision, snap.resources),
        answer: (revision) => ({ revision, dryRun: false, changes: [], nodes: result.changed }),
      };
    });
  }

  /**
   * Runs `fn` under the writers' lock, then moves to a new revision rebuilt from the database in
   * the same transaction: for controller-wide values in `meta` that change what is delivered while
   * the intent stays (a rotated preshared-key secret). Published once committed, as a reload (every
   * node's revision is compared), so no agent is woken before the change can be read.
   */
  rewrite<T>(fn: (tx: Tx) => Promise<T>): Promise<{ result: T; revision: number }> {
    return this.exclusively(async () => {
      const done = await this.db.exclusive(INTENT_WRITE_LOCK, async (tx) => {
        const result = await fn(tx);
        const revision = await nextRevision(tx);
        const rows = await allResources(tx);
        const snap = Snapshot.build(
          revision,
          rows.map(fromRow),
          await allAttachments(tx),
          await presharedKeyGeneration(tx),
        );
        return { result, revision, snap };
      });
      this.snapshot = done.snap;
      this.publish(done.snap, { cause: "reload" });
      return { result: done.result, revision: done.revision };
    });
  }

  /**
   * Runs `fn` inside the intent write transaction (holding the writers' lock), with the intent as
   * of that moment, then applies what it returns in the same transaction: so reads `fn` makes
   * (token uses, nonces, addresses taken) and the intent written cannot be interleaved with
   * another writer. `fn` may write its own rows through `tx`; they are rolled back when `fn` or
   * the validation of its changes throws.
   */
  transact<T>(
    actor: Actor,
    fn: (tx: Tx, snapshot: Snapshot) => Promise<TransactPlan<T>>,
  ): Promise<{ result: T; outcome: ApplyOutcome }> {
    return this.enqueue(true, async (tx, snap, revision) => {
      const plan = await fn(tx, snap);
      const staged = await stageChanges(
        snap,
        revision,
        actor,
        plan.changes,
        {},
        plan.records ?? [],
        this.now,
      );
      return {
        ...staged,
        answer: (revision) => ({ result: plan.result, outcome: outcomeOf(staged.answer(revision)) }),
      };
    });
  }

  /**
   * Replaces the whole database (a restore) under the writers' lock, alone: `replace` writes every
   * table through `tx` and calls `revisionAfter(floor)` for the revision the store then sets — past
   * both the current one and `floor` (the backup's), so no replica or agent sees a revision twice.
   * The intent is reloaded afterwards and every node's state compared again.
   */
  replaceAll<T>(replace: (tx: Tx, revisionAfter: (floor: number) => number) => Promise<T>): Promise<T> {
    return this.exclusively(async () => {
      const result = await this.db.exclusive(INTENT_WRITE_LOCK, async (tx) => {
        const before = await getRevision(tx);
        let revision = before + 1;
        const out = await replace(tx, (floor) => {
          revision = Math.max(before, floor) + 1;
          return revision;
        });
        await setMeta(tx, "revision", String(revision));
        return out;
      });
      // Everything may have changed: compile the restored intent now, not on the next request.
      this.snapshot = undefined;
      // A failure here is not the restore's: the next read compiles again and reports it.
      await this.db.transaction((tx) => this.load(tx)).catch(() => undefined);
      return result;
    });
  }

  private enqueue<T>(
    usesTx: boolean,
    run: (tx: Tx, snapshot: Snapshot, revision: number) => Promise<Staged<T>>,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ run, usesTx, resolve, reject } as Write<unknown>);
      if (!this.draining) {
        this.draining = true;
        // One turn of the event loop first: requests already read from their sockets reach the
        // queue too (the database calls resolve as microtasks, so without it each batch is one).
        setImmediate(() => void this.exclusively(() => this.drain()));
      }
    });
  }

  /** Runs `fn` when no batch, reload or replaceAll holds the writer. */
  private exclusively<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.busy.then(fn, fn);
    this.busy = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /**
   * Commits what waits now as one batch, then queues itself again behind anything else that waits
   * for the writer (a restore, a reload), so a steady stream of writes cannot starve those.
   */
  private async drain(): Promise<void> {
    try {
      await this.commit(this.waiting.splice(0, MAX_BATCH));
    } finally {
      if (this.waiting.length > 0) setImmediate(() => void this.exclusively(() => this.drain()));
      else this.draining = false;
    }
  }

  /** The one commit path: every write of `batch` in one transaction, one revision for all. */
  private async commit(batch: readonly Write<unknown>[]): Promise<void> {
    const single = batch.length === 1;
    type Outcome = {
      readonly write: Write<unknown>;
      readonly staged?: Staged<unknown>;
      readonly error?: unknown;
    };
    let done: { outcomes: Outcome[]; revision: number; successor?: Snapshot; nodes: readonly string[] };
    try {
      done = await this.db.exclusive(INTENT_WRITE_LOCK, async (tx) => {
        let snap = await this.load(tx);
        const before = snap.revision;
        const outcomes: Outcome[] = [];
        const nodes = new Set<string>();
        const pending = new PendingRows();
        let last: ((revision: number) => Snapshot) | undefined;
        for (const [i, write] of batch.entries()) {
          const savepoint = sql.raw(`hubwire_write_${i}`);
          // Only a write that touches the tables itself can leave rows behind when refused.
          const guarded = write.usesTx && !single;
          if (write.usesTx) await pending.flush(tx);
          if (guarded) await sql`savepoint ${savepoint}`.execute(tx);
          try {
            const staged = await write.run(tx, snap, before + 1);
            if (staged.rows) await pending.add(tx, staged.rows);
            if (write.usesTx) await pending.flush(tx);
            if (guarded) await sql`release savepoint ${savepoint}`.execute(tx);
            if (staged.successor) {
              last = staged.successor;
              snap = staged.successor(before); // what the next write of the batch is checked against
              for (const n of staged.nodes) nodes.add(n);
            }
            outcomes.push({ write, staged });
          } catch (error) {
            // A refusal (domain error) leaves the compiler as it was; anything else fails the batch.
            if (!(error instanceof DomainError) || single) throw error;
            if (guarded) {
              await sql`rollback to savepoint ${savepoint}`.execute(tx);
              await sql`release savepoint ${savepoint}`.execute(tx);
            }
            outcomes.push({ write, error });
          }
        }
        await pending.flush(tx);
        const revision = last ? await nextRevision(tx) : before;
        // Under the writers' lock nothing else moves it: the audit entries named this revision.
        if (last && revision !== before + 1)
          throw new Error(`revision moved from ${before} to ${revision} under the lock`);
        return { outcomes, revision, successor: last?.(revision), nodes: [...nodes].sort() };
      });
    } catch (error) {
      // The incremental compiler may be ahead of the rolled-back transaction: rebuild next time.
      // A single write's refusal left it as it was.
      if (!(single && error instanceof DomainError)) this.snapshot = undefined;
      for (const write of batch) write.reject(error);
      return;
    }
    // Only a committed write moves the snapshot on.
    if (done.successor) {
      this.snapshot = done.successor;
      this.publish(done.successor, { cause: "commit", nodes: done.nodes });
    }
    for (const { write, staged, error } of done.outcomes) {
      if (staged) write.resolve(staged.answer(done.revision));
      else write.reject(error);
    }
  }
}
