/** The UI's view of a node's status (`NodeStatusView` of the API), built from a stored row. */
import type { LinkReport } from "../../model/index.js";
import type { NodeStatusRow } from "../db/repo-node-status.js";
import type { StoredInterface } from "./status-store.js";

export interface PeerStatusView {
  name: string | null;
  publicKey: string;
  endpoint: string | null;
  rxBytes: number;
  txBytes: number;
  /** Unix seconds; 0: never. */
  latestHandshake: number;
  /** null: never. */
  handshakeAgeSeconds: number | null;
}

export interface NodeStatusView {
  node: string;
  network: string;
  role: string;
  online: boolean;
  /** null: never reported. */
  lastSeenAt: string | null;
  agentVersion: string | null;
  appliedRevision: string | null;
  /** null: the node is not in the compiled intent. */
  desiredRevision: string | null;
  applyError: string | null;
  rxBytes: number;
  txBytes: number;
  peers: PeerStatusView[];
  /** Path health per hub link, as the agent last reported it (empty: none reported). */
  links: LinkReport[];
  /** Spokes: the hub carrying its routes now, as it reported; null: none up, or not reported. */
  activeHub: string | null;
  /** Route moves the agent's failover made since it started. */
  failovers: number;
  /** Hubs: spokes the controller has attached to this hub (their reports, confirmed by its handshakes). */
  attachedSpokes: number | null;
}

/** `row` as the API shows it at `now`; `cutoff` is the report time before which a node is offline. */
export function nodeStatusView(
  row: NodeStatusRow,
  desiredRevision: string | undefined,
  now: Date,
  cutoff: string,
  attachedSpokes: number | null = null,
): NodeStatusView {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const interfaces = row.interfaces ? (JSON.parse(row.interfaces) as StoredInterface[]) : [];
  return {
    node: row.node,
    network: row.network,
    role: row.role,
    online: row.reported_at !== null && row.reported_at >= cutoff,
    lastSeenAt: row.reported_at,
    agentVersion: row.agent_version,
    appliedRevision: row.applied_revision,
    desiredRevision: desiredRevision ?? null,
    applyError: row.apply_error,
    rxBytes: Number(row.rx_bytes ?? 0),
    txBytes: Number(row.tx_bytes ?? 0),
    peers: interfaces.flatMap((i) =>
      i.peers.map((p) => ({
        name: p.name,
        publicKey: p.publicKey,
        endpoint: p.endpoint,
        rxBytes: p.rxBytes,
        txBytes: p.txBytes,
        latestHandshake: p.latestHandshake,
        handshakeAgeSeconds: p.latestHandshake === 0 ? null : Math.max(0, nowSeconds - p.latestHandshake),
      })),
    ),
    links: row.links ? (JSON.parse(row.links) as LinkReport[]) : [],
    activeHub: row.active_hub,
    failovers: Number(row.failovers ?? 0),
    attachedSpokes: row.role === "hub" ? attachedSpokes : null,
  };
}
