/**
 * What an agent reports to `POST /agent/v1/status` every few seconds (part of the agent wire
 * protocol; see desired-state.ts for the version history). Unknown fields are ignored, so a newer
 * agent can add some without being refused by an older controller.
 */
import { z } from "zod";

/** Agents report every this many seconds; the controller counts missed reports in these units. */
export const STATUS_REPORT_INTERVAL_SECONDS = 5;

/** Byte counters and handshakes as `wg show dump` gives them. */
export const peerReportSchema = z.object({
  publicKey: z.string().min(1).max(64),
  /** `host:port` the peer was last seen at; null when never. */
  endpoint: z.string().max(128).nullable(),
  rxBytes: z.number().int().min(0),
  txBytes: z.number().int().min(0),
  /** Unix seconds; 0: never. */
  latestHandshake: z.number().int().min(0),
});

export const interfaceReportSchema = z.object({
  name: z.string().min(1).max(15),
  up: z.boolean(),
  /** null: the interface has no port (not created, or down). */
  listenPort: z.number().int().min(0).max(65535).nullable(),
  peers: z.array(peerReportSchema).max(100_000),
});

/**
 * The health of one path to a hub, as the agent's prober sees it (spokes: each uplink; hubs: each
 * link to another hub). Probes are ICMP echoes to the hub's tunnel address through that interface.
 */
export const linkReportSchema = z.object({
  interface: z.string().min(1).max(15),
  /** The hub at the other end. */
  remote: z.string().min(1).max(63),
  /** Uplinks: 0 is the preferred hub. Absent for hub-to-hub links. */
  priority: z.number().int().min(0).max(1000).optional(),
  /** `up`: carries routes; `down`: missed too many probes (or its handshake is stale). */
  state: z.enum(["up", "down"]),
  /** Median round trip of the answered probes in the recent window, ms; null: none answered. */
  rttMs: z.number().min(0).max(600_000).nullable(),
  /** Share of the probes in the recent window that went unanswered, 0–1. */
  loss: z.number().min(0).max(1),
  /** Probes sent and lost since the agent started (monotonic, for rates). */
  probesSent: z.number().int().min(0),
  probesLost: z.number().int().min(0),
  /** When the link last changed state (RFC 3339); null: not since the agent started. */
  since: z.string().max(40).nullable(),
});

export const statusReportSchema = z.object({
  agentVersion: z.string().min(1).max(64),
  /** The desired-state revision the data plane runs; null when nothing was applied yet. */
  appliedRevision: z.string().max(128).nullable(),
  /** Why the last apply failed; null when it succeeded. */
  applyError: z.string().max(4096).nullable(),
  interfaces: z.array(interfaceReportSchema).max(64),
  /** Path health per hub link; absent from agents older than failover. */
  links: z.array(linkReportSchema).max(64).optional(),
  /** Spokes: the hub whose uplink carries its routes now; null: none is up (or not a spoke). */
  activeHub: z.string().max(63).nullable().optional(),
  /** Route moves made by failover since the agent started. */
  failovers: z.number().int().min(0).optional(),
  /**
   * The WireGuard public key of the node's last successful apply (absent from older agents): a
   * rotated key reported here proves the node runs it, so the old key's grace can end.
   */
  publicKey: z.string().min(1).max(64).optional(),
});

export type LinkReport = z.infer<typeof linkReportSchema>;

export type PeerReport = z.infer<typeof peerReportSchema>;
export type InterfaceReport = z.infer<typeof interfaceReportSchema>;
/** One status report of an agent. */
export type StatusReport = z.infer<typeof statusReportSchema>;
