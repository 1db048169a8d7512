/**
 * The controller's record of agent status reports. Reports arriving together are written in one
 * transaction (group commit: while one batch commits the next gathers), one upsert per report, so
 * thousands of agents reporting every few seconds cost few fsyncs. Online/offline transitions are
 * detected by the writer that flips the stored flag — exactly once across replicas — then logged
 * and appended to the audit log (actions `node-online` / `node-offline`), which the UI shows.
 */
import type { Logger } from "pino";
import { byteOrder, type StatusReport } from "../../model/index.js";
import type { Db, Tx } from "../db/open.js";
import { appendAudit } from "../db/repo-audit.js";
import { addTrafficSample, markOffline, pruneTraffic, saveReport } from "../db/repo-node-status.js";
import { HISTORY_KEEP_MS, HISTORY_SAMPLE_MS, offlineCutoff, REPORT_INTERVAL_SECONDS } from "./thresholds.js";

/** A peer as stored: the report's fields and the peer's node name from the desired state (null: unknown key). */
export type StoredPeer = StatusReport["interfaces"][number]["peers"][number] & { name: string | null };
export type StoredInterface = Omit<StatusReport["interfaces"][number], "peers"> & { peers: StoredPeer[] };

interface Pending {
  node: string;
  report: StatusReport;
  interfaces: StoredInterface[];
  at: Date;
  done: Array<{ resolve: () => void; reject: (error: unknown) => void }>;
}

/** How long the first report of a batch waits for others before the batch is written, ms. */
export const BATCH_WINDOW_MS = 25;

export interface StatusStoreOptions {
  readonly now: () => Date;
  readonly log?: Pick<Logger, "info" | "warn">;
}

export class StatusStore {
  private pending = new Map<string, Pending>();
  private flushing?: Promise<void>;
  private readonly lastSample = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private lastPrune = 0;

  constructor(
    private readonly db: Db,
    private readonly options: StatusStoreOptions,
  ) {}

  /** Sweeps for offline nodes every report interval until closed. */
  start(): void {
    this.timer = setInterval(() => {
      this.sweep().catch((error: unknown) => this.options.log?.warn({ err: error }, "status sweep failed"));
    }, REPORT_INTERVAL_SECONDS * 1000);
    this.timer.unref();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flushing?.catch(() => undefined);
  }

  /** Stores `node`'s report (resolves once committed); a newer report of the node in the same batch wins. */
  record(node: string, report: StatusReport, interfaces: StoredInterface[]): Promise<void> {
    return new Promise((resolve, reject) => {
      const at = this.options.now();
      const entry = this.pending.get(node);
      if (entry) {
        Object.assign(entry, { report, interfaces, at });
        entry.done.push({ resolve, reject });
      } else {
        this.pending.set(node, { node, report, interfaces, at, done: [{ resolve, reject }] });
      }
      this.flushing ??= this.flushAll().finally(() => {
        this.flushing = undefined;
      });
    });
  }

  private async flushAll(): Promise<void> {
    while (this.pending.size > 0) {
      // Let reports already on the wire join this batch first: on SQLite a commit (an fsync)
      // blocks the event loop, so without a pause each batch would hold only the few reports
      // that arrived during the previous one, and commits would eat the loop.
      await new Promise((resolve) => setTimeout(resolve, BATCH_WINDOW_MS));
      // In name order, so two replicas writing overlapping batches lock rows in the same order.
      const batch = [...this.pending.values()].sort((a, b) => byteOrder(a.node, b.node));
      this.pending = new Map();
      try {
        const online = await this.db.kysely.transaction().execute((tx) => this.write(tx, batch));
        for (const node of online) this.options.log?.info({ node }, "node online");
        for (const p of batch) for (const d of p.done) d.resolve();
      } catch (error) {
        for (const p of batch) for (const d of p.done) d.reject(error);
      }
    }
  }

  private async write(tx: Tx, batch: Pending[]): Promise<string[]> {
    const cameOnline: string[] = [];
    for (const p of batch) {
      let rx = 0;
      let txBytes = 0;
      for (const i of p.report.interfaces)
        for (const peer of i.peers) {
          rx += peer.rxBytes;
          txBytes += peer.txBytes;
        }
      const at = p.at.toISOString();
      const transition = await saveReport(tx, {
        node: p.node,
        reported_at: at,
        agent_version: p.report.agentVersion,
        applied_revision: p.report.appliedRevision,
        apply_error: p.report.applyError,
        rx_bytes: rx,
        tx_bytes: txBytes,
        interfaces: JSON.stringify(p.interfaces),
        links: p.report.links === undefined ? null : JSON.stringify(p.report.links),
        active_hub: p.report.activeHub ?? null,
        failovers: p.report.failovers ?? 0,
      });
      if (transition) {
        cameOnline.push(p.node);
        await appendAudit(tx, transitionEntry(p.node, "node-online", at));
      }
      const last = this.lastSample.get(p.node) ?? 0;
      if (p.at.getTime() - last >= HISTORY_SAMPLE_MS) {
        this.lastSample.set(p.node, p.at.getTime());
        await addTrafficSample(tx, { node: p.node, at, rx_bytes: rx, tx_bytes: txBytes });
      }
    }
    return cameOnline;
  }

  /**
   * Marks nodes offline whose last report is too old (logging and auditing each once), and drops
   * traffic samples past the history window. Returns the nodes it marked offline.
   */
  async sweep(): Promise<string[]> {
    const now = this.options.now();
    const offline = await this.db.kysely.transaction().execute(async (tx) => {
      const nodes = await markOffline(tx, offlineCutoff(now));
      for (const node of nodes)
        await appendAudit(tx, transitionEntry(node, "node-offline", now.toISOString()));
      if (now.getTime() - this.lastPrune >= HISTORY_SAMPLE_MS) {
        await pruneTraffic(tx, new Date(now.getTime() - HISTORY_KEEP_MS).toISOString());
        this.lastPrune = now.getTime();
      }
      return nodes;
    });
    for (const node of offline) this.options.log?.warn({ node }, "node offline: no status report");
    return offline;
  }
}

function transitionEntry(node: string, action: "node-online" | "node-offline", at: string) {
  return {
    at,
    actor: "system",
    source: "controller",
    action,
    kind: "Node",
    name: node,
    before: null,
    after: null,
  };
}
