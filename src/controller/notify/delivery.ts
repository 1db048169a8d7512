/**
 * Config delivery and status as one service the routes use: the notifier (long polls, revisions,
 * replica wake-ups) and the status store (reports, online/offline). Built once per process and
 * shared by all of its listeners.
 */
import type { Logger } from "pino";
import type { Db } from "../db/open.js";
import type { GuardPolicy } from "../guard/blast-radius.js";
import type { Metrics } from "../metrics/metrics.js";
import type { IntentStore } from "../state/intent-store.js";
import { Attachments } from "../status/attachments.js";
import { StatusStore } from "../status/status-store.js";
import { ConfigNotifier } from "./notifier.js";

export interface Delivery {
  readonly notifier: ConfigNotifier;
  readonly status: StatusStore;
  /** Which hub carries each spoke, from the reports of both. */
  readonly attachments: Attachments;
  close(): Promise<void>;
}

export interface DeliveryOptions {
  readonly now: () => Date;
  readonly metrics: Metrics;
  readonly log?: Pick<Logger, "info" | "warn">;
  /** See NotifierOptions.revisionPollMs. */
  readonly revisionPollMs?: number;
  /** See NotifierOptions.guard. */
  readonly guard?: GuardPolicy;
}

/** Starts delivery for `intent` on `db`: loads the intent, listens for other replicas, sweeps status. */
export async function startDelivery(
  intent: IntentStore,
  db: Db,
  options: DeliveryOptions,
): Promise<Delivery> {
  const notifier = new ConfigNotifier(intent, db, options);
  const status = new StatusStore(db, options);
  await notifier.start();
  status.start();
  return {
    notifier,
    status,
    attachments: new Attachments(db, intent, notifier, options),
    async close() {
      await notifier.close();
      await status.close();
    },
  };
}
