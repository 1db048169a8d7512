/**
 * Which hub carries each spoke (SPEC §6). A spoke's agent reports the hub whose uplink carries its
 * routes; the controller accepts the claim only when that hub's own latest report agrees — it is
 * online and has a recent handshake with the spoke — and then records the attachment through the
 * intent store, which recompiles the hubs so each routes the spoke via the hub that holds it.
 * Reachability is never inferred from one hub's view alone: a hub that merely sees a handshake
 * moves nothing, and a spoke's claim without its hub's handshake waits for the next report.
 */
import type { Logger } from "pino";
import type { StatusReport } from "../../model/index.js";
import type { Db } from "../db/open.js";
import { getNodeStatus } from "../db/repo-node-status.js";
import type { ConfigNotifier } from "../notify/notifier.js";
import type { IntentStore } from "../state/intent-store.js";
import type { Snapshot } from "../state/snapshot.js";
import type { StoredInterface } from "./status-store.js";
import { offlineCutoff, RECENT_HANDSHAKE_SECONDS } from "./thresholds.js";

export interface AttachmentOptions {
  readonly now: () => Date;
  readonly log?: Pick<Logger, "info" | "warn">;
}

export class Attachments {
  private counted?: { snapshot: Snapshot; counts: Map<string, number> };

  constructor(
    private readonly db: Db,
    private readonly intent: IntentStore,
    private readonly notifier: ConfigNotifier,
    private readonly options: AttachmentOptions,
  ) {}

  /** How many spokes hub `node` carries in the current snapshot; null when `node` is not a hub. */
  spokesOf(node: string): number | null {
    const snapshot = this.notifier.current();
    if (!snapshot) return null;
    if (this.counted?.snapshot !== snapshot)
      this.counted = { snapshot, counts: snapshot.compiler.attachedCounts() };
    return this.counted.counts.get(node) ?? null;
  }

  /** Takes `node`'s report into account: moves its attachment when the report and its hub agree. */
  async consider(node: string, report: StatusReport): Promise<void> {
    const claimed = report.activeHub;
    if (!claimed) return;
    const now = this.options.now();
    const attachment = this.notifier.current()?.compiler.attachmentOf(node);
    if (!attachment?.hubs.includes(claimed) || attachment.active === claimed) return;
    if (!(await this.hubConfirms(claimed, node, now))) return;
    const outcome = await this.intent.attach(
      { actor: "system", source: `status report of ${node}` },
      node,
      claimed,
    );
    if (outcome)
      this.options.log?.info(
        { node, from: attachment.active, to: claimed, revision: outcome.revision, hubs: outcome.nodes },
        "spoke attached to another hub",
      );
  }

  /** Whether `hub` is online and its latest report has a handshake with `node` that is recent. */
  private async hubConfirms(hub: string, node: string, now: Date): Promise<boolean> {
    const row = await getNodeStatus(this.db.kysely, hub);
    if (!row?.reported_at || row.reported_at < offlineCutoff(now) || !row.interfaces) return false;
    const nowSeconds = now.getTime() / 1000;
    for (const i of JSON.parse(row.interfaces) as StoredInterface[])
      for (const p of i.peers)
        if (
          p.name === node &&
          p.latestHandshake > 0 &&
          nowSeconds - p.latestHandshake <= RECENT_HANDSHAKE_SECONDS
        )
          return true;
    return false;
  }
}
