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

export const statusReportSchema = z.object({
  agentVersion: z.string().min(1).max(64),
  /** The desired-state revision the data plane runs; null when nothing was applied yet. */
  appliedRevision: z.string().max(128).nullable(),
  /** Why the last apply failed; null when it succeeded. */
  applyError: z.string().max(4096).nullable(),
  interfaces: z.array(interfaceReportSchema).max(64),
  /**
   * The WireGuard public key of the node's last successful apply (absent from older agents): a
   * rotated key reported here proves the node runs it, so the old key's grace can end.
   */
  publicKey: z.string().min(1).max(64).optional(),
});

export type PeerReport = z.infer<typeof peerReportSchema>;
export type InterfaceReport = z.infer<typeof interfaceReportSchema>;
/** One status report of an agent. */
export type StatusReport = z.infer<typeof statusReportSchema>;
