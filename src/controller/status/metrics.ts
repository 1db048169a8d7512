/**
 * Node and peer metrics, read from the stored status reports at scrape time, so every replica
 * reports the same values. Per-peer series are labelled by node, interface and peer name (the
 * public key when the peer is unknown): about one series per tunnel end, 10,000s at most.
 */
import { Counter, Gauge, type Registry } from "prom-client";
import type { LinkReport } from "../../model/index.js";
import type { Db } from "../db/open.js";
import { allReports } from "../db/repo-node-status.js";
import type { StoredInterface, StoredPeer } from "./status-store.js";
import { offlineCutoff } from "./thresholds.js";

/** Registers the status metrics on `registry`; one read of every report per scrape. */
export function registerStatusMetrics(registry: Registry, db: Db): void {
  type Reports = Awaited<ReturnType<typeof allReports>>;
  // The families below are collected one after another in one scrape: read the table once per
  // scrape, and forget it as soon as the scrape's collectors have run (a later scrape reads anew).
  let cached: Promise<Reports> | undefined;
  const reports = (): Promise<Reports> => {
    if (!cached) {
      const rows = allReports(db.kysely);
      cached = rows;
      const forget = () =>
        setTimeout(() => {
          if (cached === rows) cached = undefined;
        }, 0);
      rows.then(forget, forget);
    }
    return cached;
  };
  const peers = async function* () {
    for (const r of await reports()) {
      if (!r.interfaces) continue;
      for (const i of JSON.parse(r.interfaces) as StoredInterface[])
        for (const p of i.peers) yield { node: r.node, iface: i.name, peer: p };
    }
  };

  const links = async function* () {
    for (const r of await reports()) {
      if (!r.links) continue;
      for (const link of JSON.parse(r.links) as LinkReport[]) yield { node: r.node, link };
    }
  };
  const linkLabels = (node: string, l: LinkReport) => ({ node, interface: l.interface, remote: l.remote });
  const linkGauge = (name: string, help: string, value: (l: LinkReport) => number | null) =>
    new Gauge({
      name,
      help,
      labelNames: ["node", "interface", "remote"] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for await (const { node, link } of links()) {
          const v = value(link);
          if (v !== null) this.set(linkLabels(node, link), v);
        }
      },
    });
  /** A counter family with one series per row of `rows()`, labelled by `labels(row)`. */
  const counterOf = <T>(
    name: string,
    help: string,
    labelNames: readonly string[],
    rows: () => AsyncIterable<T>,
    labels: (row: T) => Record<string, string>,
    value: (row: T) => number,
  ) =>
    new Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        this.reset();
        for await (const row of rows()) this.inc(labels(row), value(row));
      },
    });
  const linkCounter = (name: string, help: string, value: (l: LinkReport) => number) =>
    counterOf(
      name,
      help,
      ["node", "interface", "remote"],
      links,
      (r) => linkLabels(r.node, r.link),
      (r) => value(r.link),
    );
  linkGauge(
    "hubwire_link_up",
    "1 when the node's path to the remote hub is up (answers probes), else 0",
    (l) => (l.state === "up" ? 1 : 0),
  );
  linkGauge(
    "hubwire_link_probe_rtt_seconds",
    "Median probe round trip over the link in the agent's recent window (links with no answer are left out)",
    (l) => (l.rttMs === null ? null : l.rttMs / 1000),
  );
  linkGauge(
    "hubwire_link_probe_loss_ratio",
    "Share of probes lost over the link in the agent's recent window (0-1)",
    (l) => l.loss,
  );
  linkCounter(
    "hubwire_link_probes_sent_total",
    "Probes the agent sent over the link since it started",
    (l) => l.probesSent,
  );
  linkCounter(
    "hubwire_link_probes_lost_total",
    "Probes over the link that got no answer, since the agent started",
    (l) => l.probesLost,
  );
  new Counter({
    name: "hubwire_failovers_total",
    help: "Route moves the node's failover made since its agent started, as last reported",
    labelNames: ["node", "network", "role"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await reports())
        if (r.failovers !== null)
          this.inc({ node: r.node, network: r.network, role: r.role }, Number(r.failovers));
    },
  });
  new Gauge({
    name: "hubwire_hub_spokes",
    help: "Online spokes that report this hub as the one carrying their routes",
    labelNames: ["hub", "network"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const cutoff = offlineCutoff(new Date());
      const rows = await reports();
      for (const r of rows) if (r.role === "hub") this.set({ hub: r.node, network: r.network }, 0);
      for (const r of rows) {
        if (r.role === "hub" || !r.active_hub || r.reported_at === null || r.reported_at < cutoff) continue;
        this.inc({ hub: r.active_hub, network: r.network });
      }
    },
  });
  new Gauge({
    name: "hubwire_node_online",
    help: "1 when the node's last status report is recent enough, else 0",
    labelNames: ["node", "network", "role"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const cutoff = offlineCutoff(new Date());
      for (const r of await reports()) {
        const online = r.reported_at !== null && r.reported_at >= cutoff ? 1 : 0;
        this.set({ node: r.node, network: r.network, role: r.role }, online);
      }
    },
  });
  new Gauge({
    name: "hubwire_nodes_by_state",
    help: "Nodes by role and state (online, offline)",
    labelNames: ["role", "state"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const cutoff = offlineCutoff(new Date());
      for (const r of await reports()) {
        const state = r.reported_at !== null && r.reported_at >= cutoff ? "online" : "offline";
        this.inc({ role: r.role, state });
      }
    },
  });
  const peerLabels = (node: string, iface: string, peer: StoredPeer) => ({
    node,
    interface: iface,
    peer: peer.name ?? peer.publicKey,
  });
  const peerCounter = (name: string, help: string, value: (p: StoredPeer) => number) =>
    counterOf(
      name,
      help,
      ["node", "interface", "peer"],
      peers,
      (r) => peerLabels(r.node, r.iface, r.peer),
      (r) => value(r.peer),
    );
  peerCounter(
    "hubwire_peer_receive_bytes_total",
    "Bytes received from the peer, as the node last reported",
    (p) => p.rxBytes,
  );
  peerCounter(
    "hubwire_peer_transmit_bytes_total",
    "Bytes sent to the peer, as the node last reported",
    (p) => p.txBytes,
  );
  new Gauge({
    name: "hubwire_peer_handshake_age_seconds",
    help: "Seconds since the latest handshake with the peer (peers that never completed one are left out)",
    labelNames: ["node", "interface", "peer"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const now = Date.now() / 1000;
      for await (const { node, iface, peer } of peers()) {
        if (peer.latestHandshake === 0) continue;
        this.set(peerLabels(node, iface, peer), Math.max(0, now - peer.latestHandshake));
      }
    },
  });
}
