/**
 * The delivery loop: long-poll the controller for this node's desired state and apply each new
 * one. It only ends when the signal aborts or the controller refuses the node's credential (401,
 * 403: revoked). Anything else — a refused request, a state this agent cannot read, an apply that
 * failed, an error nobody expected — is reported and tried again after a growing wait, with the
 * data plane left as it is (fail static).
 */
import { DesiredStateRefused } from "../../model/index.js";
import { backoffDelay, sleep } from "../client/backoff.js";
import { type ConfigClient, ConfigClientError } from "../client/config-client.js";
import { type AgentLog, AgentStopped } from "./agent-log.js";
import type { NodeApplier } from "./node-applier.js";

export interface DeliveryLoopDeps {
  readonly client: ConfigClient;
  readonly applier: NodeApplier;
  readonly log: AgentLog;
  readonly signal: AbortSignal;
  /** Waits after failures (default 5 s doubling to 120 s, full jitter). */
  readonly retry?: { readonly initialMs: number; readonly maxMs: number };
}

export async function deliveryLoop(deps: DeliveryLoopDeps): Promise<void> {
  const { client, applier, log, signal } = deps;
  const retry = deps.retry ?? { initialMs: 5_000, maxMs: 120_000 };
  let failures = 0;
  while (!signal.aborted) {
    try {
      // After a failure, ask without a revision: the controller answers at once and the state
      // is tried again (after the wait below), even if nothing changed since.
      // The applied state itself, so that the controller may send a patch of it.
      const have = applier.error === null ? applier.applied : undefined;
      const desired = await client.next(have, signal);
      if (desired) await applier.apply(desired);
      if (applier.error === null) {
        failures = 0;
        continue;
      }
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof ConfigClientError && (error.status === 401 || error.status === 403))
        throw new AgentStopped(`the controller refused this node's credential (${error.code}): revoked?`);
      if (error instanceof DesiredStateRefused) applier.refuse(error.message);
      else log.error({ error: (error as Error).message }, "asking for the desired state failed");
    }
    // The controller answers the same state at once: retry it with backoff, not in a loop.
    const delay = backoffDelay(failures++, retry);
    log.warn({ retryInMs: Math.round(delay) }, "will ask for the desired state again");
    await sleep(delay, signal).catch(() => undefined);
  }
}
