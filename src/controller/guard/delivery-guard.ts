/**
 * The blast-radius guard at delivery (SPEC §5). Before a hub is sent a newer desired state, it is
 * compared with the state last delivered to that hub (kept in the database, across restores):
 * when it would remove too many peers at once (an emptied or old restored database, a bad bulk
 * edit) it is held — the hub is answered "unchanged" and keeps running what it has — and the hold
 * is recorded (audited once, `hubwire_delivery_held` on /metrics) until an operator confirms it or
 * the intent stops removing that much. Only hubs are guarded: they carry the sites.
 */
import type { DesiredState } from "../../model/index.js";
import type { JsonObject } from "../db/json.js";
import type { Db, Tx } from "../db/open.js";
import { appendAudit } from "../db/repo-audit.js";
import {
  deleteHold,
  getBaseline,
  getBaselineRevision,
  getHold,
  type Hold,
  listHolds,
  putBaseline,
  putHold,
  REMOVED_SAMPLE,
  touchBaseline,
} from "../db/repo-delivery-guard.js";
import { DomainError } from "../errors.js";
import type { Actor } from "../state/intent-store.js";
import {
  assess,
  DEFAULT_GUARD_POLICY,
  type GuardPolicy,
  type PeerSet,
  peersOf,
  samePeerSet,
  samePeersInPlace,
} from "./blast-radius.js";

const SYSTEM: Actor = { actor: "system", source: "controller" };

export type { Hold };

/**
 * A hub's baseline as this process knows it: its peers as read from the row, or the state this
 * process delivered (its peers are computed from it only when a check needs the set).
 */
type Baseline =
  | { readonly revision: string; readonly peers: PeerSet; readonly state?: undefined }
  | { readonly revision: string; readonly state: DesiredState; readonly peers?: undefined };

export class DeliveryGuard {
  /** One check per hub at a time in this process (replicas agree through the rows). */
  private readonly queues = new Map<string, Promise<unknown>>();
  /**
   * The baseline peers this process last read or wrote per hub, by revision. A revision is a
   * fingerprint of the whole state, so equal revisions mean equal peers: when the stored row's
   * revision matches, its peers (10,000 of them on a large hub) are not parsed again. A row written
   * by another replica, or a write rolled back, just misses.
   */
  private readonly baselines = new Map<string, Baseline>();
  /** Each state's peer set, computed once (the commit's check and the delivery both need it). */
  private readonly peerSets = new WeakMap<DesiredState, PeerSet>();

  constructor(
    private readonly db: Db,
    readonly policy: GuardPolicy = DEFAULT_GUARD_POLICY,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Whether `state` may go to its node now. For a hub whose state would remove too many of the
   * peers last delivered, records the hold (audited when new) and answers false. `deliver`: the
   * caller sends it when allowed, so it becomes the hub's baseline; else this only checks (a new
   * revision was compiled), which raises holds before the hub even asks.
   */
  admit(state: DesiredState, deliver: boolean): Promise<boolean> {
    if (state.role !== "hub") return Promise.resolve(true);
    return this.serial(state.node, () => this.db.transaction((tx) => this.admitIn(tx, state, deliver)));
  }

  private async admitIn(tx: Tx, state: DesiredState, deliver: boolean): Promise<boolean> {
    const node = state.node;
    const at = this.now().toISOString();
    const baseline = await this.baselineOf(tx, node);
    if (baseline?.revision === state.revision) {
      await this.release(tx, node, state.revision);
      return true;
    }
    if (baseline?.state !== undefined && samePeersInPlace(baseline.state, state)) {
      // The peers last delivered, where they were: nothing is removed, and the sets need not be built.
      if (deliver) await this.remember(tx, node, state, at, { samePeers: true });
      await this.release(tx, node, state.revision);
      return true;
    }
    const before = baseline && this.peersIn(baseline);
    const peers = this.peersOf(state);
    const verdict = before ? assess(before, peers, this.policy) : undefined;
    if (!before || !verdict!.held) {
      // Most changes of a hub move a route or an address, not who its peers are.
      if (deliver)
        await this.remember(tx, node, state, at, { samePeers: !!before && samePeerSet(before, peers) });
      await this.release(tx, node, state.revision);
      return true;
    }
    const hold: Hold = {
      node,
      revision: state.revision,
      baselineRevision: baseline!.revision,
      peersBefore: verdict!.before,
      removed: verdict!.removed.length,
      removedNames: verdict!.removed.slice(0, REMOVED_SAMPLE),
      heldAt: at,
    };
    if (await putHold(tx, hold)) {
      await appendAudit(tx, {
        at,
        ...SYSTEM,
        action: "delivery-held",
        kind: "Node",
        name: node,
        before: { revision: baseline!.revision, peers: verdict!.before },
        after: hold as unknown as JsonObject,
      });
    }
    return false;
  }

  /**
   * `state` is delivered to hub `node`: it becomes the baseline. With the same peers as the stored
   * baseline only the row's revision moves (a 10,000-peer row is not rewritten).
   */
  private async remember(
    tx: Tx,
    node: string,
    state: DesiredState,
    at: string,
    { samePeers }: { samePeers: boolean },
  ): Promise<void> {
    if (samePeers) await touchBaseline(tx, node, state.revision, at);
    else
      await putBaseline(tx, { node, revision: state.revision, peers: this.peersOf(state), deliveredAt: at });
    this.baselines.set(node, { revision: state.revision, state });
  }

  private peersIn(baseline: Baseline): PeerSet {
    return baseline.peers ?? this.peersOf(baseline.state);
  }

  /** Hub `node`'s stored baseline (revision and peers), from memory when this process knows it. */
  private async baselineOf(tx: Tx, node: string): Promise<Baseline | undefined> {
    const revision = await getBaselineRevision(tx, node);
    if (revision === undefined) return undefined;
    const known = this.baselines.get(node);
    if (known?.revision === revision) return known;
    const row = await getBaseline(tx, node);
    if (!row) return undefined;
    const read: Baseline = { revision: row.revision, peers: row.peers };
    this.baselines.set(node, read);
    return read;
  }

  private peersOf(state: DesiredState): PeerSet {
    let peers = this.peerSets.get(state);
    if (!peers) {
      peers = peersOf(state);
      this.peerSets.set(state, peers);
    }
    return peers;
  }

  /** A hold the intent no longer justifies (fixed, or confirmed elsewhere) ends, audited. */
  private async release(tx: Tx, node: string, revision: string): Promise<void> {
    const gone = await deleteHold(tx, node);
    if (!gone) return;
    await appendAudit(tx, {
      at: this.now().toISOString(),
      ...SYSTEM,
      action: "delivery-hold-released",
      kind: "Node",
      name: node,
      before: gone as unknown as JsonObject,
      after: { revision },
    });
  }

  /**
   * An operator confirms the held revision of hub `node` (`state`: its current desired state):
   * it becomes the baseline, so the next poll delivers it. `revision`, when given, must be the one
   * held (the operator confirms what they reviewed). not-found without a hold; conflict when the
   * held revision is no longer the current one.
   */
  confirm(actor: Actor, node: string, state: DesiredState | undefined, revision?: string): Promise<Hold> {
    return this.serial(node, () =>
      this.db.transaction(async (tx) => {
        const hold = await getHold(tx, node);
        if (!hold) throw new DomainError("not-found", `no delivery is held for node ${node}`);
        if (revision !== undefined && revision !== hold.revision) {
          throw new DomainError(
            "conflict",
            `node ${node}'s held revision is ${hold.revision}, not ${revision}`,
          );
        }
        if (state?.revision !== hold.revision) {
          throw new DomainError(
            "conflict",
            `node ${node}'s desired state moved on since it was held (now ${state?.revision ?? "none"}); review the hold again`,
          );
        }
        const at = this.now().toISOString();
        await putBaseline(tx, { node, revision: state.revision, peers: peersOf(state), deliveredAt: at });
        await deleteHold(tx, node);
        await appendAudit(tx, {
          at,
          ...actor,
          action: "delivery-confirmed",
          kind: "Node",
          name: node,
          before: hold as unknown as JsonObject,
          after: { revision: state.revision },
        });
        return hold;
      }),
    );
  }

  /** Every held hub, by name. */
  holds(): Promise<Hold[]> {
    return this.db.transaction((tx) => listHolds(tx));
  }

  private serial<T>(node: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(node) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.queues.set(node, tail);
    void tail.then(() => {
      if (this.queues.get(node) === tail) this.queues.delete(node);
    });
    return run;
  }
}
