/**
 * Config delivery's controller side: keeps each node's current revision in step with the intent
 * store and answers long polls. A commit on this replica wakes the nodes it changed and announces
 * the new revision with PostgreSQL `NOTIFY`; other replicas, `LISTEN`ing on a dedicated
 * connection, reload their intent from the database and wake the nodes whose revision moved. A
 * slow poll of the stored revision catches what a notification could miss (a dropped listen
 * connection, a restore), and SQLite (one process) needs nothing more.
 */
import { sql } from "kysely";
import type { Logger } from "pino";
import type { DesiredState } from "../../model/index.js";
import type { Db } from "../db/open.js";
import type { Listening } from "../db/pg-listen.js";
import type { Hold } from "../db/repo-delivery-guard.js";
import type { GuardPolicy } from "../guard/blast-radius.js";
import { DeliveryGuard } from "../guard/delivery-guard.js";
import type { Metrics } from "../metrics/metrics.js";
import type { Actor, IntentStore } from "../state/intent-store.js";
import type { Rotation } from "../state/rotation-grace.js";
import type { Snapshot } from "../state/snapshot.js";
import { AnswerCache } from "./answer-cache.js";
import { NodeRevisions } from "./node-revisions.js";

/** The PostgreSQL channel replicas announce new intent revisions on (payload: the revision). */
export const INTENT_CHANNEL = "hubwire_intent";

/** How often each replica re-reads the stored revision anyway (missed notifications, restores). */
export const REVISION_POLL_MS = 5_000;

/**
 * How often a poll whose delivery the blast-radius guard holds re-reads the hold, so a
 * confirmation on another replica is seen without a notification.
 */
export const HOLD_RECHECK_MS = 2_000;

/** The longest a long poll may be held (the `wait` query parameter's maximum), seconds. */
export const MAX_WAIT_SECONDS = 60;

/** What `next` answers: a state to send, `undefined` when the wait ended unchanged, or not-found. */
export type NextResult = DesiredState | "not-found" | undefined;

export interface NotifierOptions {
  readonly now: () => Date;
  readonly metrics: Metrics;
  readonly log?: Pick<Logger, "warn" | "info">;
  /** Overrides {@link REVISION_POLL_MS} (tests prove notifications work without the poll). */
  readonly revisionPollMs?: number;
  /** The blast-radius guard's thresholds; default DEFAULT_GUARD_POLICY. */
  readonly guard?: GuardPolicy;
}

/**
 * A node with at least this many peers keeps its previous state, so that an agent holding it is
 * sent a patch (a hub's state is megabytes; a spoke's is smaller than a patch's bookkeeping).
 */
export const PATCH_MIN_PEERS = 64;

const peerCount = (state: DesiredState) => state.interfaces.reduce((n, i) => n + i.peers.length, 0);

export class ConfigNotifier {
  private readonly revisions = new NodeRevisions();
  private readonly answers = new AnswerCache();
  /** The state before the current one, of nodes with many peers (what a patch is built from). */
  private readonly previous = new Map<string, DesiredState>();
  /** The current state of nodes with many peers, as last seen (becomes `previous` when it moves). */
  private readonly latest = new Map<string, DesiredState>();
  private snapshot?: Snapshot;
  private unwatch?: () => void;
  private listening?: Listening;
  private timer?: NodeJS.Timeout;
  private refreshing?: Promise<void>;
  private refreshAgain = false;
  private closed = false;
  /** Holds a hub's newer state when it would remove too many of its peers (SPEC §5). */
  readonly guard: DeliveryGuard;

  constructor(
    private readonly intent: IntentStore,
    private readonly db: Db,
    private readonly options: NotifierOptions,
  ) {
    this.guard = new DeliveryGuard(db, options.guard, options.now);
  }

  /** Follows the intent store, listens for other replicas (PostgreSQL) and loads the intent. */
  async start(): Promise<void> {
    this.unwatch = this.intent.watch((snap, event) => {
      this.snapshot = snap;
      const now = this.options.now().getTime();
      const changed = this.revisions.update(
        snap.compiled,
        event.cause === "commit" ? event.nodes : undefined,
        now,
      );
      this.answers.drop(changed);
      this.keepPrevious(snap, changed);
      if (event.cause === "commit") this.announce(snap.revision);
      this.checkHubs(snap, changed);
    });
    if (this.db.listen) {
      this.listening = await this.db.listen(INTENT_CHANNEL, {
        onNotify: () => this.refresh(),
        onConnect: () => this.refresh(),
        onError: (error) =>
          this.options.log?.warn({ err: error }, "intent notifications interrupted; reconnecting"),
      });
    }
    this.timer = setInterval(() => this.refresh(), this.options.revisionPollMs ?? REVISION_POLL_MS);
    this.timer.unref();
    const first = this.keepNewer(await this.intent.current());
    // The first load may have happened before we watched: take the states now.
    this.answers.drop(this.revisions.update(first.compiled, undefined, this.options.now().getTime()));
    this.keepPrevious(first, first.compiled.keys());
  }

  /**
   * Remembers the outgoing state of each changed node with many peers (see {@link PATCH_MIN_PEERS}).
   * From `latest`, not from the snapshot before: the compiler updates its states map in place.
   */
  private keepPrevious(snap: Snapshot, changed: Iterable<string>): void {
    for (const node of changed) {
      const now = snap.compiled.get(node);
      const was = this.latest.get(node);
      if (was && now && was.revision !== now.revision) this.previous.set(node, was);
      else if (!now) this.previous.delete(node);
      if (now && peerCount(now) >= PATCH_MIN_PEERS) this.latest.set(node, now);
      else this.latest.delete(node);
    }
  }

  /** Raises holds for changed hubs now, before they ask (so the alert does not wait for a poll). */
  private checkHubs(snap: Snapshot, nodes: readonly string[]): void {
    for (const node of nodes) {
      const state = snap.compiled.get(node);
      if (state?.role !== "hub") continue;
      this.guard
        .admit(state, false)
        .catch((error: unknown) =>
          this.options.log?.warn({ err: error, node }, "could not check a hub's revision"),
        );
    }
  }

  /**
   * An operator confirms hub `node`'s held revision (see DeliveryGuard.confirm); its waiting poll
   * is answered at once.
   */
  async confirmHold(actor: Actor, node: string, revision?: string): Promise<Hold> {
    const snap = await this.served();
    const hold = await this.guard.confirm(actor, node, snap.compiled.get(node), revision);
    this.revisions.nudge(node);
    return hold;
  }

  /**
   * The snapshot this replica serves, as the store pushed it (commits here, reloads when another
   * replica's revision was seen): no database read per long poll. Only before `start` loaded one
   * is it read.
   */
  private async served(): Promise<Snapshot> {
    return this.snapshot ?? this.keepNewer(await this.intent.current());
  }

  /**
   * A snapshot read before a commit may resume after that commit was published: never step back
   * to it, or a poll would wait on a revision already superseded.
   */
  private keepNewer(snap: Snapshot): Snapshot {
    if (!this.snapshot || snap.revision >= this.snapshot.revision) this.snapshot = snap;
    return this.snapshot;
  }

  /** Answers every held long poll now (unchanged: 204), so a closing server is not kept waiting. */
  releaseAll(): void {
    this.revisions.releaseAll();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.revisions.releaseAll();
    this.answers.clear();
    this.previous.clear();
    this.latest.clear();
    this.unwatch?.();
    if (this.timer) clearInterval(this.timer);
    await this.listening?.close();
    await this.refreshing?.catch(() => undefined);
  }

  /** Re-reads the stored revision (reloading the intent when it moved); calls coalesce. */
  refresh(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    const run = async () => {
      do {
        this.refreshAgain = false;
        try {
          await this.intent.current();
        } catch (error) {
          this.options.log?.warn({ err: error }, "could not re-read the intent");
        }
      } while (this.refreshAgain && !this.closed);
    };
    this.refreshing = run().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /**
   * `node`'s desired state when its revision differs from `have` (at once), else waits up to
   * `waitMs` for it to change; `undefined` when it did not, `not-found` when the node is not in
   * the compiled intent.
   */
  async next(
    node: string,
    have: string | undefined,
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<NextResult> {
    const first = await this.served();
    const deadline = Date.now() + waitMs;
    this.options.metrics.longPolls.inc();
    try {
      for (;;) {
        let state = (this.snapshot ?? first).compiled.get(node);
        // Unknown here may be new on another replica whose notification has not arrived yet.
        if (!state) state = this.keepNewer(await this.intent.current()).compiled.get(node);
        if (!state) return "not-found";
        let held = false;
        if (state.revision !== have) {
          if (await this.guard.admit(state, true)) return state;
          held = true; // the node keeps what it has until the hold ends
        }
        const left = deadline - Date.now();
        if (left <= 0) return undefined;
        const waited = await this.revisions.wait(node, held ? Math.min(left, HOLD_RECHECK_MS) : left, signal);
        if (waited === "aborted" || (waited === "timeout" && !held)) return undefined;
      }
    } finally {
      this.options.metrics.longPolls.dec();
    }
  }

  /**
   * A node reported having applied `revision` at `at`: the first such report of its current
   * revision records how long the change took to reach it (from when this replica learned of it —
   * the commit itself on the replica that wrote it).
   */
  applied(node: string, revision: string | null, at: Date): void {
    const current = this.revisions.get(node);
    if (!current || current.applied || revision !== current.revision) return;
    current.applied = true;
    this.options.metrics.propagation.observe(Math.max(0, at.getTime() - current.since) / 1000);
  }

  /**
   * `state` (as `next` answered it) as the JSON bytes of the answer, serialised once per node and
   * revision: a handler sends them as they are. With `patchFrom` (the revision the agent has, when
   * it accepts patches) and that revision the node's previous one: the patch from it instead.
   */
  answerBody(state: DesiredState, patchFrom?: string): Buffer {
    const base = patchFrom === undefined ? undefined : this.previous.get(state.node);
    if (base && base.revision === patchFrom && base.revision !== state.revision)
      return this.answers.patchBody(base, state);
    return this.answers.body(state);
  }

  /** The snapshot this replica serves now; undefined before the first load. */
  current(): Snapshot | undefined {
    return this.snapshot;
  }

  /** `node`'s desired state as of the last snapshot this replica saw; undefined when not compiled. */
  stateOf(node: string): DesiredState | undefined {
    return this.snapshot?.compiled.get(node);
  }

  /** Key rotations in progress as of the last snapshot this replica saw. */
  get rotations(): ReadonlyMap<string, Rotation> {
    return this.snapshot?.rotations ?? new Map();
  }

  /** The intent revision of the last snapshot this replica saw (0 before the first load). */
  get intentRevision(): number {
    return this.snapshot?.revision ?? 0;
  }

  /** `node`'s current desired-state revision; undefined when it is not in the compiled intent. */
  revisionOf(node: string): string | undefined {
    return this.revisions.get(node)?.revision;
  }

  /** Long polls held by this replica now. */
  get waiting(): number {
    return this.revisions.waiting;
  }

  private announce(revision: number): void {
    if (this.db.dialect !== "postgres") return;
    sql`select pg_notify(${INTENT_CHANNEL}, ${String(revision)})`
      .execute(this.db.kysely)
      .catch((error: unknown) => this.options.log?.warn({ err: error }, "could not announce a new revision"));
  }
}
