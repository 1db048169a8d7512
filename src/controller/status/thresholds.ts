/** How report ages translate into online/offline, and how much traffic history is kept. */
import { STATUS_REPORT_INTERVAL_SECONDS } from "../../model/index.js";

/** Agents report every this many seconds (the agent wire protocol's interval). */
export const REPORT_INTERVAL_SECONDS = STATUS_REPORT_INTERVAL_SECONDS;

/** A node is offline once this many reports in a row are missing. */
export const MISSED_REPORTS_OFFLINE = 3;

/** A node whose last report is older than this is offline. */
export const OFFLINE_AFTER_MS = REPORT_INTERVAL_SECONDS * MISSED_REPORTS_OFFLINE * 1000;

/** A handshake younger than this counts as recent (WireGuard rekeys every 2 minutes, gives up after 3). */
export const RECENT_HANDSHAKE_SECONDS = 180;

/** One traffic sample per node at most this often. */
export const HISTORY_SAMPLE_MS = 60_000;

/** Traffic samples older than this are deleted (with one a minute: 60 per node). */
export const HISTORY_KEEP_MS = 3600_000;

/** The ISO time before which a report means offline, as of `now`. */
export function offlineCutoff(now: Date): string {
  return new Date(now.getTime() - OFFLINE_AFTER_MS).toISOString();
}
