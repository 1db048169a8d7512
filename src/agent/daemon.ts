/**
 * The agent daemon (SPEC §5): on first start it makes its key and enrolls with the join token
 * (pinning the controller CA), then long-polls its desired state and applies it by diff, and
 * reports status every few seconds.
 *
 * Fail static: the key, credential, controller session and last applied state live in the state
 * directory. A restarted agent first re-applies the last applied state (a diff against the live
 * machine, so nothing is duplicated and an intact data plane is left alone), then asks the
 * controller; while the controller is unreachable the data plane stays as it is and the client
 * retries with backoff and jitter across every controller URL.
 */

import { access, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { DesiredState, StatusReport } from "../model/index.js";
import { parseJoinToken } from "../model/join-token.js";
import { applyDesiredState } from "./apply/apply.js";
import { backoffDelay, sleep } from "./client/backoff.js";
import { ConfigClient, ConfigClientError } from "./client/config-client.js";
import {
  type EnrollRequestFields,
  type EnrollResult,
  enroll,
  enrollmentStatus,
  waitForApproval,
} from "./client/enroll.js";
import { RotationRefused, rotateKey } from "./client/rotate-key.js";
import { localRunner, type Runner } from "./exec.js";
import type { FailoverTimers } from "./failover/link-health.js";
import { FailoverMonitor, type LinkChange } from "./failover/monitor.js";
import { activeHub, carriers, routedState } from "./failover/routes.js";
import {
  type ControllerSession,
  type Identity,
  openStateDir,
  type StateDir,
  writeFileAtomic,
} from "./state-dir.js";
import { collectStats } from "./stats/stats.js";

/** Where the daemon writes its log lines (pino-shaped: an object, then a message). */
export interface AgentLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface AgentOptions {
  readonly name: string;
  /** The join token; needed only until the node is enrolled. */
  readonly token?: string;
  /** Controller URLs to use instead of those in the token (or saved at enrollment). */
  readonly controllers?: readonly string[];
  readonly stateDir: string;
  /** What the node asks for when it enrolls. */
  readonly request: EnrollRequestFields;
  readonly version: string;
  readonly log: AgentLog;
  /** How often status is reported, ms (default 5,000). */
  readonly reportEveryMs?: number;
  /** Where commands run; default this machine. */
  readonly runner?: Runner;
  /** Failover's probe interval, misses and hold-down (default DEFAULT_TIMERS). */
  readonly failover?: FailoverTimers;
  readonly signal: AbortSignal;
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/** Thrown when the node cannot go on: rejected, revoked, or missing what it needs to enroll. */
export class AgentStopped extends Error {
  override readonly name = "AgentStopped";
}

/** A running agent; `done` settles when it stops (abort, or an {@link AgentStopped}). */
export interface RunningAgent {
  readonly done: Promise<void>;
  /** Rotates the node's key now (SIGHUP in the CLI); resolves when hubs have been told. */
  rotateKey(): Promise<void>;
}

export function startAgent(o: AgentOptions): RunningAgent {
  const agent = new Agent(o);
  return { done: agent.run(), rotateKey: () => agent.rotate() };
}

class Agent {
  private dir!: StateDir;
  private identity!: Identity;
  private session!: ControllerSession;
  private credential!: string;
  private client!: ConfigClient;
  private applied: DesiredState | undefined;
  private applyError: string | null = null;
  /** The public key of the last successful apply: reported, it proves a rotated key is in use. */
  private appliedPublicKey: string | undefined;
  /** One apply at a time: a long-poll answer and a rotation never interleave. */
  private applying: Promise<unknown> = Promise.resolve();
  /** The rotation in flight; a second request joins it instead of making another key. */
  private rotating: Promise<void> | undefined;
  /** Applies that failed in a row: the next try waits longer (the same state comes back at once). */
  private failures = 0;
  private readonly runner: Runner;
  /** Link health of every uplink and hub link; routes follow it (failover/). */
  private readonly failover: FailoverMonitor;
  /** Which interface carried each prefix after the last apply (`carriers`), to count moves. */
  private installedRoutes: string | undefined;
  /** Route moves made by failover since start (reported). */
  private failovers = 0;
  /** The preshared keys of the last apply, so a failover move needs no controller. */
  private keys: Map<string, string> | undefined;

  constructor(private readonly o: AgentOptions) {
    this.runner = o.runner ?? localRunner();
    this.failover = new FailoverMonitor({
      runner: this.runner,
      ...(o.failover ? { timers: o.failover } : {}),
      onChange: (change) => this.linkChanged(change),
    });
  }

  async run(): Promise<void> {
    const { o } = this;
    this.dir = await openStateDir(o.stateDir);
    this.identity = await this.dir.identity();
    o.log.info({ node: o.name, publicKey: this.identity.publicKey }, "agent starting");
    await this.ensureEnrolled();
    this.client = new ConfigClient({
      urls: o.controllers?.length ? o.controllers : this.session.urls,
      credential: this.credential,
      caPem: this.session.caPem,
      onRetry: ({ url, error, delayMs }) =>
        o.log.warn({ url, error: error.message, retryInMs: Math.round(delayMs) }, "controller unreachable"),
    });
    this.applied = await this.dir.readLastApplied();
    if (this.applied) {
      o.log.info({ revision: this.applied.revision }, "re-applying the last applied state");
      await this.apply(this.applied);
    }
    // Data plane first (fail static), then finish a rotation a crash interrupted, in the background.
    if (await this.dir.hasPendingKey()) void this.finishPendingRotation();
    const reporter = this.reportLoop();
    try {
      await this.pollLoop();
    } finally {
      this.failover.stop();
      await reporter;
      this.client.close();
    }
  }

  /** Enrolls (or picks up a pending enrollment's credential) unless the state dir already has one. */
  private async ensureEnrolled(): Promise<void> {
    const { o } = this;
    const [credential, session] = [await this.dir.readCredential(), await this.dir.readController()];
    if (credential && session) {
      this.credential = credential;
      this.session = session;
      return;
    }
    if (!o.token) throw new AgentStopped("not enrolled yet: give a join token (--token)");
    const token = parseJoinToken(o.token);
    const common = {
      token: o.token,
      nodeName: o.name,
      privateKey: await this.privateKey(),
      ...(o.controllers?.length ? { urls: o.controllers } : {}),
      signal: o.signal,
    };
    // A crash may have come after the request was made (Pending, or approved since): ask first,
    // with the key alone, which works even once the token has expired or been used up.
    const marker = join(this.dir.path, "enroll-requested");
    let answer: EnrollResult | undefined;
    if (await exists(marker)) {
      answer = await enrollmentStatus(common);
      if (answer.reason?.startsWith("unknown-enrollment")) answer = undefined;
    }
    if (!answer) {
      await writeFileAtomic(marker, "");
      answer = await enroll({ ...common, request: o.request });
    }
    o.log.info({ state: answer.state, reason: answer.reason }, "enrollment answered");
    if (answer.state === "Pending") answer = await waitForApproval(common);
    if (answer.state !== "Approved" || !answer.credential || !answer.caPem) {
      throw new AgentStopped(
        `enrollment ${answer.state}${answer.reason ? `: ${answer.reason}` : ""}; not joining`,
      );
    }
    this.session = {
      urls: answer.controllerUrls,
      caPem: answer.caPem,
      controllerKey: token.controllerKey,
    };
    // Session first: a credential without a session would be unusable after a crash.
    await this.dir.writeController(this.session);
    await this.dir.writeCredential(answer.credential);
    this.credential = answer.credential;
    o.log.info({ node: answer.node }, "enrolled; node credential saved");
  }

  private async privateKey(): Promise<string> {
    return (await readFile(this.identity.privateKeyFile, "utf8")).trim();
  }

  private async pollLoop(): Promise<void> {
    const { o } = this;
    while (!o.signal.aborted) {
      let desired: DesiredState | undefined;
      try {
        // After a failed apply, ask without a revision: the controller answers at once and the
        // state is tried again (after the backoff below), even if nothing changed since.
        const have = this.applyError === null ? this.applied?.revision : undefined;
        desired = await this.client.next(have, o.signal);
      } catch (error) {
        if (o.signal.aborted) return;
        if (error instanceof ConfigClientError && (error.status === 401 || error.status === 403)) {
          throw new AgentStopped(`the controller refused this node's credential (${error.code}): revoked?`);
        }
        throw error;
      }
      if (!desired) continue;
      await this.apply(desired);
      if (this.applyError === null) {
        this.failures = 0;
        continue;
      }
      // The controller answers the same state at once: retry it with backoff, not in a loop.
      const delay = backoffDelay(this.failures++, { initialMs: 5_000, maxMs: 120_000 });
      o.log.warn({ retryInMs: Math.round(delay) }, "will retry the failed apply");
      await sleep(delay, o.signal).catch(() => undefined);
    }
  }

  /**
   * Applies `desired` by diff, with the routes the links' health allows (failover/routes.ts); on
   * success it becomes the last applied state. `move`: a failover re-apply of the applied state,
   * which uses the preshared keys it already has instead of asking the controller.
   */
  private apply(desired: DesiredState, move?: LinkChange): Promise<void> {
    const run = async () => {
      const { o } = this;
      if (move && desired !== this.applied) return; // a newer state was applied meanwhile, with current health
      const key = this.identity.publicKey;
      try {
        // A move re-applies the applied state: its keys are the ones in use (no controller needed).
        const presharedKeys = move
          ? (this.keys ?? (await this.presharedKeysFor(desired, false)))
          : await this.presharedKeysFor(desired);
        const routed = routedState(desired, this.failover.down());
        const result = await applyDesiredState(routed, {
          privateKeyFile: this.identity.privateKeyFile,
          publicKey: this.identity.publicKey,
          // No runner of its own: this machine, whose WireGuard the apply reads over UAPI.
          ...(o.runner ? { runner: o.runner } : {}),
          presharedKeys,
          ...(this.applied ? { previous: this.applied } : {}),
          log: (line) => o.log.info({ revision: desired.revision }, line),
        });
        this.keys = presharedKeys;
        this.applied = desired;
        this.applyError = null;
        const routes = carriers(routed);
        if (move && this.installedRoutes !== undefined && routes !== this.installedRoutes) {
          this.failovers++;
          o.log.info(
            {
              failover: `${move.iface} ${move.state}`,
              remote: move.remote,
              reason: move.reason,
              activeHub: activeHub(desired, this.failover.down()),
              moves: this.failovers,
            },
            `failover: link ${move.iface} to ${move.remote} ${move.state} (${move.reason}); routes moved`,
          );
        }
        this.installedRoutes = routes;
        this.failover.track(desired);
        this.appliedPublicKey = key;
        await this.dir.writeLastApplied(desired);
        if (result.changed) o.log.info({ revision: desired.revision, steps: result.plan.length }, "applied");
      } catch (error) {
        this.applyError = (error as Error).message;
        o.log.error({ revision: desired.revision, error: this.applyError }, "apply failed");
      }
      void this.report();
    };
    const next = this.applying.then(run, run);
    this.applying = next;
    return next;
  }

  /** A link changed state: re-apply the applied state with the routes its health now allows. */
  private linkChanged(change: LinkChange): void {
    this.o.log.warn(
      { iface: change.iface, remote: change.remote, state: change.state, reason: change.reason },
      `link ${change.iface} to ${change.remote} ${change.state}`,
    );
    if (this.applied) void this.apply(this.applied, change);
  }

  /**
   * The preshared keys `desired` names: from the controller when it answers (saved, 0600, for a
   * restart without it), else the saved ones. A key that is still missing fails the apply, so a
   * peer is never set up without the key its other end uses.
   */
  private async presharedKeysFor(desired: DesiredState, fromController = true): Promise<Map<string, string>> {
    const refs = new Set(desired.interfaces.flatMap((i) => i.peers.flatMap((p) => p.presharedKeyRef ?? [])));
    if (refs.size === 0) return new Map();
    let keys: Map<string, string> | undefined;
    if (fromController) {
      try {
        keys = await this.client.presharedKeys(this.o.signal);
        await this.dir.writePresharedKeys(keys);
      } catch (error) {
        this.o.log.warn(
          { error: (error as Error).message },
          "could not fetch preshared keys; using saved ones",
        );
      }
    }
    keys ??= await this.dir.readPresharedKeys();
    const missing = [...refs].filter((r) => !keys.has(r));
    if (missing.length > 0) throw new Error(`no preshared key for ${missing.join(", ")}`);
    return keys;
  }

  private async reportLoop(): Promise<void> {
    const every = this.o.reportEveryMs ?? 5_000;
    while (!this.o.signal.aborted) {
      await this.report();
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, every);
        const wake = () => {
          clearTimeout(t);
          resolve();
        };
        this.o.signal.addEventListener("abort", wake, { once: true });
      });
    }
  }

  private async report(): Promise<void> {
    try {
      const names = (this.applied?.interfaces ?? []).map((i) => i.name);
      const stats = await collectStats(names, this.runner);
      this.failover.noteHandshakes(stats);
      const status: StatusReport = {
        agentVersion: this.o.version,
        appliedRevision: this.applied?.revision ?? null,
        applyError: this.applyError,
        interfaces: stats.map((i) => ({ ...i, peers: [...i.peers] })),
        links: this.failover.reports(),
        activeHub: this.applied ? activeHub(this.applied, this.failover.down()) : null,
        failovers: this.failovers,
        ...(this.appliedPublicKey ? { publicKey: this.appliedPublicKey } : {}),
      };
      await this.client.report(status, this.o.signal);
    } catch (error) {
      if (!this.o.signal.aborted)
        this.o.log.warn({ error: (error as Error).message }, "status report failed");
    }
  }

  /**
   * Key rotation: a new key is saved as pending, the controller is told (credential + proof of
   * the new key), then the key is switched and the data plane re-applied with it. Peers keep the
   * old key valid beside the new one until a status report names the new key as applied (or they
   * see a handshake from it), so a crash at any point leaves the tunnel up. One at a time.
   */
  rotate(): Promise<void> {
    this.rotating ??= this.rotateOnce().finally(() => {
      this.rotating = undefined;
    });
    return this.rotating;
  }

  private async rotateOnce(): Promise<void> {
    const { o } = this;
    const newKey = await this.dir.pendingKey();
    try {
      await rotateKey({
        urls: o.controllers?.length ? o.controllers : this.session.urls,
        credential: this.credential,
        node: o.name,
        newPrivateKey: newKey,
        controllerKey: this.session.controllerKey,
        caPem: this.session.caPem,
        signal: o.signal,
      });
    } catch (error) {
      if (error instanceof RotationRefused) {
        await this.dir.discardPendingKey();
        o.log.error({ error: error.message }, "key rotation refused; keeping the current key");
      }
      throw error;
    }
    this.identity = await this.dir.commitPendingKey();
    o.log.info({ publicKey: this.identity.publicKey }, "key rotated");
    if (this.applied) await this.apply(this.applied);
  }

  /** Retries an interrupted rotation until the controller takes or refuses the pending key. */
  private async finishPendingRotation(): Promise<void> {
    for (let attempt = 0; !this.o.signal.aborted; attempt++) {
      try {
        await this.rotate();
        return;
      } catch (error) {
        if (error instanceof RotationRefused || this.o.signal.aborted) return;
        const delay = backoffDelay(attempt, { initialMs: 2_000, maxMs: 60_000 });
        this.o.log.warn(
          { error: (error as Error).message, retryInMs: Math.round(delay) },
          "key rotation pending",
        );
        await sleep(delay, this.o.signal).catch(() => undefined);
      }
    }
  }
}
