/**
 * The agent's failover (SPEC §6): probes every uplink and hub link of the applied state, keeps
 * each link's health, and says which links are down. The daemon installs the routed state
 * (routes.ts) for that set and re-applies it whenever a link changes state — with no controller
 * involved, so failover works the same while the controller is unreachable.
 */
import type { DesiredState, LinkReport } from "../../model/index.js";
import type { Runner } from "../exec.js";
import type { StatusInterface } from "../stats/stats.js";
import { DEFAULT_TIMERS, type FailoverTimers, LinkHealth, STALE_HANDSHAKE_SECONDS } from "./link-health.js";
import { type Prober, startProber } from "./prober.js";

interface Link {
  readonly iface: string;
  readonly remote: string;
  readonly priority?: number;
  readonly address: string;
  readonly peerKey: string | undefined;
  readonly health: LinkHealth;
  readonly prober: Prober;
}

/** A link that changed state, for the daemon's log. */
export interface LinkChange {
  readonly iface: string;
  readonly remote: string;
  readonly state: "up" | "down";
  readonly reason: string;
}

export interface MonitorOptions {
  readonly runner: Runner;
  readonly timers?: FailoverTimers;
  /** Called after a link changed state (synchronously, from a probe's outcome). */
  readonly onChange: (change: LinkChange) => void;
  readonly now?: () => number;
}

export class FailoverMonitor {
  private readonly links = new Map<string, Link>();
  private readonly timers: FailoverTimers;
  private readonly now: () => number;

  constructor(private readonly o: MonitorOptions) {
    this.timers = o.timers ?? DEFAULT_TIMERS;
    this.now = o.now ?? Date.now;
  }

  /** Probes the links of `desired` that name a probe address; stops probing links it no longer has. */
  track(desired: DesiredState): void {
    const wanted = new Map<string, Omit<Link, "health" | "prober">>();
    for (const i of desired.interfaces) {
      if ((i.purpose !== "uplink" && i.purpose !== "hub-link") || !i.probe || !i.remote) continue;
      wanted.set(i.name, {
        iface: i.name,
        remote: i.remote,
        ...(i.priority !== undefined ? { priority: i.priority } : {}),
        address: i.probe,
        peerKey: i.peers[0]?.publicKey,
      });
    }
    for (const [name, link] of this.links) {
      const want = wanted.get(name);
      if (want && want.address === link.address && want.remote === link.remote) {
        if (want.peerKey !== link.peerKey || want.priority !== link.priority)
          this.links.set(name, { ...link, peerKey: want.peerKey, priority: want.priority });
        continue;
      }
      link.prober.stop();
      this.links.delete(name);
    }
    for (const [name, want] of wanted) {
      if (this.links.has(name)) continue;
      const health = new LinkHealth(this.timers);
      const prober = startProber({
        runner: this.o.runner,
        address: want.address,
        intervalMs: this.timers.intervalMs,
        onOutcome: (outcome) => {
          const answering = health.answeringSince !== null;
          // A backup uplink is given twice the misses: while the hubs themselves fail over, its
          // answers may come back through the failed hub for a moment, and condemning it then
          // would leave the spoke with no path at all.
          const priority = this.links.get(name)?.priority;
          const misses = priority !== undefined && priority > 0 ? 2 * this.timers.misses : this.timers.misses;
          if (health.observe(outcome, this.now(), misses)) this.changed(name);
          else if ((health.answeringSince !== null) !== answering) this.changedIfEffective(name);
        },
      });
      this.links.set(name, { ...want, health, prober });
    }
  }

  /**
   * Interfaces whose link may not carry routes now: the down ones — except that a node whose
   * uplinks are all down uses the one that answers again first at once, without the hold-down:
   * with no healthy alternative, any working path beats waiting. (A hub's links always have one: its
   * direct tunnels to the spokes.)
   */
  down(): Set<string> {
    const out = new Set<string>();
    for (const [name, link] of this.links) if (link.health.state === "down") out.add(name);
    const uplinks = [...this.links.values()].filter((l) => l.priority !== undefined);
    if (uplinks.length > 0 && uplinks.every((l) => out.has(l.iface))) {
      // The one answering longest: a second that starts answering later waits for its hold-down.
      let first: Link | undefined;
      for (const l of uplinks) {
        const since = l.health.answeringSince;
        if (since !== null && (!first || since < first.health.answeringSince!)) first = l;
      }
      if (first) out.delete(first.iface);
    }
    return out;
  }

  /** Takes the handshake ages of the latest counters: a link whose session WireGuard gave up on is down. */
  noteHandshakes(stats: readonly StatusInterface[]): void {
    const nowSeconds = this.now() / 1000;
    for (const s of stats) {
      const link = this.links.get(s.name);
      const peer = link && s.peers.find((p) => p.publicKey === link.peerKey);
      if (!link || !peer || peer.latestHandshake === 0) continue;
      if (
        nowSeconds - peer.latestHandshake > STALE_HANDSHAKE_SECONDS &&
        link.health.handshakeStale(this.now())
      )
        this.changed(s.name);
    }
  }

  /** The links' health for the status report, by interface name. */
  reports(): LinkReport[] {
    return [...this.links.values()]
      .sort((a, b) => (a.iface < b.iface ? -1 : 1))
      .map((l) => ({
        interface: l.iface,
        remote: l.remote,
        ...(l.priority !== undefined ? { priority: l.priority } : {}),
        state: l.health.state,
        rttMs: l.health.rttMs(),
        loss: l.health.loss(),
        probesSent: l.health.sent,
        probesLost: l.health.lost,
        since: l.health.since === null ? null : new Date(l.health.since).toISOString(),
      }));
  }

  stop(): void {
    for (const link of this.links.values()) link.prober.stop();
    this.links.clear();
  }

  private lastDown = "";

  /** A link's answering changed while down: tell the daemon only if that changes what is used. */
  private changedIfEffective(name: string): void {
    const down = [...this.down()].sort().join(",");
    if (down === this.lastDown) return;
    this.lastDown = down;
    const link = this.links.get(name);
    if (!link) return;
    const usable = !this.down().has(name);
    this.o.onChange({
      iface: name,
      remote: link.remote,
      state: usable ? "up" : "down",
      reason: usable ? "answers again and no other uplink is up" : "stopped answering",
    });
  }

  private changed(name: string): void {
    this.lastDown = [...this.down()].sort().join(",");
    const link = this.links.get(name);
    if (!link) return;
    this.o.onChange({
      iface: name,
      remote: link.remote,
      state: link.health.state,
      reason: link.health.reason,
    });
  }
}
