/**
 * Status reports (`POST /agent/v1/status`): every few seconds, and after every apply, the
 * interfaces' counters and handshakes, what was applied (or why not), the links' health and the
 * active hub. A report that fails is only logged: the next one supersedes it.
 */
import type { StatusReport } from "../../model/index.js";
import { sleep } from "../client/backoff.js";
import type { ConfigClient } from "../client/config-client.js";
import type { Runner } from "../exec.js";
import type { FailoverMonitor } from "../failover/monitor.js";
import { activeHub } from "../failover/routes.js";
import { collectStats } from "../stats/stats.js";
import type { AgentLog } from "./agent-log.js";
import type { NodeApplier } from "./node-applier.js";

export class StatusReporter {
  constructor(
    private readonly deps: {
      readonly client: () => ConfigClient;
      readonly applier: NodeApplier;
      readonly failover: FailoverMonitor;
      /** Where commands run; absent: this machine, whose WireGuard is read over UAPI. */
      readonly runner?: Runner;
      readonly version: string;
      readonly log: AgentLog;
      readonly signal: AbortSignal;
    },
  ) {}

  /** Reports every `everyMs` until the signal aborts. */
  async loop(everyMs: number): Promise<void> {
    while (!this.deps.signal.aborted) {
      await this.report();
      await sleep(everyMs, this.deps.signal).catch(() => undefined);
    }
  }

  async report(): Promise<void> {
    const { applier, failover, signal } = this.deps;
    try {
      const names = (applier.applied?.interfaces ?? []).map((i) => i.name);
      const stats = await collectStats(names, this.deps.runner);
      failover.noteHandshakes(stats);
      const status: StatusReport = {
        agentVersion: this.deps.version,
        appliedRevision: applier.applied?.revision ?? null,
        applyError: applier.error,
        interfaces: stats.map((i) => ({ ...i, peers: [...i.peers] })),
        links: failover.reports(),
        activeHub: applier.applied ? activeHub(applier.applied, failover.down()) : null,
        failovers: applier.failovers,
        ...(applier.appliedPublicKey ? { publicKey: applier.appliedPublicKey } : {}),
      };
      await this.deps.client().report(status, signal);
    } catch (error) {
      if (!signal.aborted) this.deps.log.warn({ error: (error as Error).message }, "status report failed");
    }
  }
}
