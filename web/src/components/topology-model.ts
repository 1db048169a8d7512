/**
 * The topology's links, from the intent (which spoke may use which hub, in which priority) and
 * live status (the spokes' probed uplinks and active hub; both ends' handshakes otherwise). Pure:
 * the page and its tests feed it what the API answered.
 */
import type { NodeResource, NodeStatusView } from "../api/types";
import { HEALTHY_HANDSHAKE_SECONDS, type LinkHealth, probedHealth } from "./health";

/**
 * `active`: the uplink carrying the spoke's routes now (as the spoke reported it; with no report,
 * its first hub, which the hubs route it through). `backup`: another uplink of the spoke.
 * `hub`: a link between two hubs.
 */
export type LinkUse = "active" | "backup" | "hub";

export interface TopologyLink {
  readonly from: string;
  readonly to: string;
  readonly use: LinkUse;
  /** 1 for a spoke's first hub, 2 for its second…; absent on hub links. */
  readonly priority?: number;
  readonly health: LinkHealth;
  /** From the agent's probes of this link; absent when it reported none. */
  readonly rttMs?: number | null;
  readonly loss?: number;
}

export type Statuses = ReadonlyMap<string, NodeStatusView> | undefined;

/** A link's health from either end's handshake (a spoke with no agent still shows its hub's view). */
export function handshakeHealth(statuses: Statuses, a: string, b: string): LinkHealth {
  const seen = [
    statuses?.get(a)?.peers.find((p) => p.name === b),
    statuses?.get(b)?.peers.find((p) => p.name === a),
  ].filter((p) => p !== undefined);
  if (seen.length === 0) return "unknown";
  return seen.some((p) => p.handshakeAgeSeconds !== null && p.handshakeAgeSeconds < HEALTHY_HANDSHAKE_SECONDS)
    ? "healthy"
    : "down";
}

/** Whether `s` came from an agent that reports failover data (links or an active hub). */
export function reportsFailover(s: NodeStatusView | undefined): boolean {
  return s !== undefined && (s.links.length > 0 || s.activeHub !== null);
}

/**
 * The hub carrying `spoke` now: the one it reported; with no failover report, its first hub that
 * exists. null when its report says no uplink is up.
 */
export function carryingHub(
  spoke: NodeResource,
  status: NodeStatusView | undefined,
  hubs: ReadonlySet<string>,
) {
  if (reportsFailover(status)) return status!.activeHub;
  return (spoke.spec.hubs ?? []).find((h) => hubs.has(h)) ?? null;
}

/** Every uplink of the spokes and external peers to a hub shown, then every hub pair. */
export function topologyLinks(nodes: readonly NodeResource[], statuses: Statuses): TopologyLink[] {
  const hubNames = nodes.filter((n) => n.spec.role === "hub").map((n) => n.metadata.name);
  const hubs = new Set(hubNames);
  const out: TopologyLink[] = [];
  for (const n of nodes) {
    if (n.spec.role === "hub") continue;
    const name = n.metadata.name;
    const status = statuses?.get(name);
    const carrying = carryingHub(n, status, hubs);
    (n.spec.hubs ?? []).forEach((h, i) => {
      if (!hubs.has(h)) return;
      const probed = status?.links.find((l) => l.remote === h);
      out.push({
        from: name,
        to: h,
        use: h === carrying ? "active" : "backup",
        priority: i + 1,
        health: probed ? probedHealth(probed) : handshakeHealth(statuses, name, h),
        ...(probed ? { rttMs: probed.rttMs, loss: probed.loss } : {}),
      });
    });
  }
  for (let i = 0; i < hubNames.length; i++)
    for (let j = i + 1; j < hubNames.length; j++) {
      const a = hubNames[i]!;
      const b = hubNames[j]!;
      const probed =
        statuses?.get(a)?.links.find((l) => l.remote === b) ??
        statuses?.get(b)?.links.find((l) => l.remote === a);
      out.push({
        from: a,
        to: b,
        use: "hub",
        health: probed ? probedHealth(probed) : handshakeHealth(statuses, a, b),
        ...(probed ? { rttMs: probed.rttMs, loss: probed.loss } : {}),
      });
    }
  return out;
}

/**
 * How many spokes each hub carries: the controller's count from the hub's status where it has one,
 * else the active links drawn to it.
 */
export function spokesCarried(links: readonly TopologyLink[], hubs: readonly string[], statuses: Statuses) {
  const drawn = new Map<string, number>(hubs.map((h) => [h, 0]));
  for (const l of links) if (l.use === "active") drawn.set(l.to, (drawn.get(l.to) ?? 0) + 1);
  return new Map(hubs.map((h) => [h, statuses?.get(h)?.attachedSpokes ?? drawn.get(h) ?? 0]));
}
