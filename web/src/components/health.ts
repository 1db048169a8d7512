/** Thresholds for calling a link healthy, shared by the node page, the topology and the dashboard. */

/** A handshake older than this (seconds) means the link is down: WireGuard re-keys every 2 minutes. */
export const HEALTHY_HANDSHAKE_SECONDS = 180;

/** An up link losing at least this share of its probes (0–1) is shown as degraded. */
export const DEGRADED_LOSS = 0.05;

/** An up link whose median probe round trip is at least this (ms) is shown as degraded. */
export const DEGRADED_RTT_MS = 250;

/** How a link looks: `unknown` when neither end has reported it. */
export type LinkHealth = "healthy" | "degraded" | "down" | "unknown";

/** The health of a probed link as its agent reported it. */
export function probedHealth(link: { state: "up" | "down"; rttMs: number | null; loss: number }): LinkHealth {
  if (link.state === "down") return "down";
  if (link.loss >= DEGRADED_LOSS || (link.rttMs !== null && link.rttMs >= DEGRADED_RTT_MS)) return "degraded";
  return "healthy";
}
