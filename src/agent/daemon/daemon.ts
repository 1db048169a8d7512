/**
 * The agent daemon (SPEC §5), wired from its parts: on first start it makes its key and enrolls
 * (bootstrap.ts), then long-polls its desired state and applies it by diff (delivery-loop.ts,
 * node-applier.ts), reports status every few seconds (reporting.ts), moves routes when links
 * fail (../failover) and rotates its key on request (rotation.ts).
 *
 * Fail static: the key, credential, controller session and last applied state live in the state
 * directory. A restarted agent first re-applies the last applied state (a diff against the live
 * machine, so nothing is duplicated and an intact data plane is left alone), then asks the
 * controller; while the controller is unreachable the data plane stays as it is and the client
 * retries with backoff and jitter across every controller URL.
 */

import { ConfigClient } from "../client/config-client.js";
import type { EnrollRequestFields } from "../client/enroll.js";
import { localRunner, type Runner } from "../exec.js";
import type { FailoverTimers } from "../failover/link-health.js";
import { FailoverMonitor } from "../failover/monitor.js";
import { type Identity, openStateDir, StateDirError } from "../state-dir.js";
import type { AgentLog } from "./agent-log.js";
import { enrolled } from "./bootstrap.js";
import { deliveryLoop } from "./delivery-loop.js";
import { NodeApplier } from "./node-applier.js";
import { PresharedKeys } from "./preshared-keys.js";
import { StatusReporter } from "./reporting.js";
import { KeyRotation } from "./rotation.js";

export { type AgentLog, AgentStopped } from "./agent-log.js";

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

/** A running agent; `done` settles when it stops (abort, or an {@link AgentStopped}). */
export interface RunningAgent {
  readonly done: Promise<void>;
  /** Rotates the node's key now (SIGHUP in the CLI); resolves when hubs have been told. */
  rotateKey(): Promise<void>;
}

export function startAgent(o: AgentOptions): RunningAgent {
  let rotation: KeyRotation | undefined;
  const done = run(o, (r) => {
    rotation = r;
  });
  return {
    done,
    rotateKey: () =>
      rotation ? rotation.rotate() : Promise.reject(new Error("not enrolled yet: there is no key to rotate")),
  };
}

async function run(o: AgentOptions, started: (rotation: KeyRotation) => void): Promise<void> {
  const { log, signal } = o;
  const runner = o.runner ?? localRunner();
  const dir = await openStateDir(o.stateDir);
  let identity: Identity = await dir.identity();
  log.info({ node: o.name, publicKey: identity.publicKey }, "agent starting");
  const { credential, session } = await enrolled(o, dir, identity);
  const urls = o.controllers?.length ? o.controllers : session.urls;
  const client = new ConfigClient({
    urls,
    credential,
    caPem: session.caPem,
    onRetry: ({ url, error, delayMs }) =>
      log.warn({ url, error: error.message, retryInMs: Math.round(delayMs) }, "controller unreachable"),
  });

  // The parts refer to each other through these closures: failover → applier → reporter.
  let applier: NodeApplier | undefined;
  let reporter: StatusReporter | undefined;
  const failover = new FailoverMonitor({
    runner,
    ...(o.failover ? { timers: o.failover } : {}),
    onChange: (change) => {
      log.warn(
        { iface: change.iface, remote: change.remote, state: change.state, reason: change.reason },
        `link ${change.iface} to ${change.remote} ${change.state}`,
      );
      void applier?.linkChanged(change);
    },
  });
  applier = new NodeApplier({
    identity: () => identity,
    dir,
    keys: new PresharedKeys({ client: () => client, dir, log, signal }),
    failover,
    ...(o.runner ? { runner: o.runner } : {}),
    log,
    onOutcome: () => void reporter?.report(),
  });
  reporter = new StatusReporter({
    client: () => client,
    applier,
    failover,
    // None given: this machine's devices are read through their UAPI sockets (no `wg` process).
    ...(o.runner ? { runner: o.runner } : {}),
    version: o.version,
    log,
    signal,
  });
  const rotation = new KeyRotation({
    node: o.name,
    urls,
    credential,
    session,
    dir,
    log,
    signal,
    rotated: async (next) => {
      identity = next;
      await applier.reapply();
    },
  });
  started(rotation);

  const saved = await dir.readLastApplied().catch((error: unknown) => {
    // Unreadable (a torn file, or a protocol this agent does not speak): ask the controller instead.
    if (!(error instanceof StateDirError)) throw error;
    log.error({ error: error.message }, "ignoring the last applied state");
    return undefined;
  });
  if (saved) {
    log.info({ revision: saved.revision }, "re-applying the last applied state");
    await applier.apply(saved);
  }
  // Data plane first (fail static), then finish a rotation a crash interrupted, in the background.
  if (await dir.hasPendingKey()) void rotation.finishPending();
  const reporting = reporter.loop(o.reportEveryMs ?? 5_000);
  try {
    await deliveryLoop({ client, applier, log, signal });
  } finally {
    failover.stop();
    await reporting;
    client.close();
  }
}
