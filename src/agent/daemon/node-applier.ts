/**
 * The one place the daemon applies a desired state, one apply at a time: a delivered state, a
 * failover move (the applied state with the routes the links' health now allows), and a
 * re-apply after a key rotation all queue here, so they never interleave. It also keeps what the
 * status report says about applies: the applied state, the last error, the key in use, the
 * route moves made.
 */
import type { DesiredState } from "../../model/index.js";
import { applyDesiredState } from "../apply/apply.js";
import type { Runner } from "../exec.js";
import type { FailoverMonitor, LinkChange } from "../failover/monitor.js";
import { activeHub, carriers, routedState } from "../failover/routes.js";
import type { Identity, StateDir } from "../state-dir.js";
import type { AgentLog } from "./agent-log.js";
import type { PresharedKeys } from "./preshared-keys.js";

export interface NodeApplierDeps {
  readonly identity: () => Identity;
  readonly dir: StateDir;
  readonly keys: PresharedKeys;
  readonly failover: FailoverMonitor;
  /** Where commands run; absent: this machine, whose WireGuard the apply reads over UAPI. */
  readonly runner?: Runner;
  readonly log: AgentLog;
  /** Called after every apply, refused state and failover move (the daemon reports status). */
  readonly onOutcome: () => void;
}

export class NodeApplier {
  /** The last state applied successfully (and saved as the last applied state). */
  applied: DesiredState | undefined;
  /** Why the last apply failed, or why the last delivered state was refused; null: it worked. */
  error: string | null = null;
  /** The public key of the last successful apply: reported, it proves a rotated key is in use. */
  appliedPublicKey: string | undefined;
  /** Route moves made by failover since start. */
  failovers = 0;
  /** Which interface carried each prefix after the last apply (`carriers`), to count moves. */
  private installedRoutes: string | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: NodeApplierDeps) {}

  /** Applies `desired` by diff; on success it becomes the applied state. Queued behind any apply in flight. */
  apply(desired: DesiredState): Promise<void> {
    return this.enqueue(() => this.applyNow(desired));
  }

  /** Re-applies the applied state (after a key rotation: with the new key). */
  reapply(): Promise<void> {
    return this.enqueue(() => (this.applied ? this.applyNow(this.applied) : Promise.resolve()));
  }

  /** A link changed state: re-apply the applied state with the routes its health now allows. */
  linkChanged(change: LinkChange): Promise<void> {
    const at = this.applied;
    return this.enqueue(async () => {
      // A newer state was applied meanwhile, with the health as it is now.
      if (at && at === this.applied) await this.applyNow(at, change);
    });
  }

  /** A delivered state this agent cannot read: nothing is applied, and the report says why. */
  refuse(reason: string): void {
    this.error = reason;
    this.deps.log.error({ error: reason }, "desired state refused");
    this.deps.onOutcome();
  }

  private enqueue(run: () => Promise<void>): Promise<void> {
    const next = this.queue.then(run, run);
    this.queue = next;
    return next;
  }

  private async applyNow(desired: DesiredState, move?: LinkChange): Promise<void> {
    const { deps } = this;
    const identity = deps.identity();
    try {
      // A move re-applies the applied state: the keys in use, no controller needed. Fetched while
      // the apply reads the live state (it awaits them before planning).
      const presharedKeys = deps.keys.for(desired, move !== undefined);
      const routed = routedState(desired, deps.failover.down());
      const result = await applyDesiredState(routed, {
        privateKeyFile: identity.privateKeyFile,
        publicKey: identity.publicKey,
        ...(deps.runner ? { runner: deps.runner } : {}),
        presharedKeys,
        ...(this.applied ? { previous: this.applied } : {}),
        log: (line) => deps.log.info({ revision: desired.revision }, line),
      });
      // Before the state naming them becomes the last applied one (see `PresharedKeys.saved`).
      await deps.keys.saved();
      this.applied = desired;
      deps.keys.applied(await presharedKeys);
      this.error = null;
      const routes = carriers(routed);
      if (move && this.installedRoutes !== undefined && routes !== this.installedRoutes) {
        this.failovers++;
        deps.log.info(
          {
            failover: `${move.iface} ${move.state}`,
            remote: move.remote,
            reason: move.reason,
            activeHub: activeHub(desired, deps.failover.down()),
            moves: this.failovers,
          },
          `failover: link ${move.iface} to ${move.remote} ${move.state} (${move.reason}); routes moved`,
        );
      }
      this.installedRoutes = routes;
      deps.failover.track(desired);
      this.appliedPublicKey = identity.publicKey;
      await deps.dir.writeLastApplied(desired);
      if (result.changed) deps.log.info({ revision: desired.revision, steps: result.plan.length }, "applied");
    } catch (error) {
      this.error = (error as Error).message;
      deps.log.error({ revision: desired.revision, error: this.error }, "apply failed");
    }
    deps.onOutcome();
  }
}
