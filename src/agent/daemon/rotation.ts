/**
 * Key rotation: a new key is saved as pending, the controller is told (credential + proof of
 * the new key), then the key is switched and the data plane re-applied with it. Peers keep the
 * old key valid beside the new one until a status report names the new key as applied (or they
 * see a handshake from it), so a crash at any point leaves the tunnel up. One at a time: a
 * second request joins the rotation in flight instead of making another key.
 */
import { backoffDelay, sleep } from "../client/backoff.js";
import { RotationRefused, rotateKey } from "../client/rotate-key.js";
import type { ControllerSession, Identity, StateDir } from "../state-dir.js";
import type { AgentLog } from "./agent-log.js";

export class KeyRotation {
  private rotating: Promise<void> | undefined;

  constructor(
    private readonly deps: {
      readonly node: string;
      readonly urls: readonly string[];
      readonly credential: string;
      readonly session: ControllerSession;
      readonly dir: StateDir;
      readonly log: AgentLog;
      readonly signal: AbortSignal;
      /** The key is switched: the daemon takes the new identity and re-applies with it. */
      readonly rotated: (identity: Identity) => Promise<void>;
    },
  ) {}

  rotate(): Promise<void> {
    this.rotating ??= this.rotateOnce().finally(() => {
      this.rotating = undefined;
    });
    return this.rotating;
  }

  /** Retries an interrupted rotation until the controller takes or refuses the pending key. */
  async finishPending(): Promise<void> {
    const { log, signal } = this.deps;
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        await this.rotate();
        return;
      } catch (error) {
        if (error instanceof RotationRefused || signal.aborted) return;
        const delay = backoffDelay(attempt, { initialMs: 2_000, maxMs: 60_000 });
        log.warn({ error: (error as Error).message, retryInMs: Math.round(delay) }, "key rotation pending");
        await sleep(delay, signal).catch(() => undefined);
      }
    }
  }

  private async rotateOnce(): Promise<void> {
    const { deps } = this;
    const newKey = await deps.dir.pendingKey();
    try {
      await rotateKey({
        urls: deps.urls,
        credential: deps.credential,
        node: deps.node,
        newPrivateKey: newKey,
        controllerKey: deps.session.controllerKey,
        caPem: deps.session.caPem,
        signal: deps.signal,
      });
    } catch (error) {
      if (error instanceof RotationRefused) {
        await deps.dir.discardPendingKey();
        deps.log.error({ error: error.message }, "key rotation refused; keeping the current key");
      }
      throw error;
    }
    const identity = await deps.dir.commitPendingKey();
    deps.log.info({ publicKey: identity.publicKey }, "key rotated");
    await deps.rotated(identity);
  }
}
