/**
 * Exponential backoff with full jitter (a uniformly random delay between 0 and the capped
 * exponential), so agents that lost the controller together do not come back in lockstep.
 */

export interface BackoffOptions {
  /** Cap of the first delay, ms (default 500). */
  readonly initialMs?: number;
  /** Largest cap, ms (default 30,000). */
  readonly maxMs?: number;
  /** Uniform in [0, 1); tests pass a fixed one. */
  readonly random?: () => number;
}

/** The delay before retry number `attempt` (0 for the first retry), ms. */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const initial = options.initialMs ?? 500;
  const max = options.maxMs ?? 30_000;
  const cap = Math.min(max, initial * 2 ** Math.min(attempt, 30));
  return (options.random ?? Math.random)() * cap;
}

/** Waits `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
