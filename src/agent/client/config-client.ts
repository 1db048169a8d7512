/**
 * The agent's side of config delivery: long-polls `GET /agent/v1/config` with the revision it has,
 * and sends status reports to `POST /agent/v1/status`. Failures (network errors, timeouts, 5xx,
 * 429, and 404 while the node is not yet in the compiled intent) are retried forever with
 * exponential backoff and full jitter, rotating across every controller URL; a URL that answers is
 * kept until it fails. Only a refused credential (401/403) or a refused request (400) ends a call
 * with a {@link ConfigClientError}: retrying those cannot help.
 */
import { readErrorAnswer } from "../../model/error-answer.js";
import { type DesiredState, parseDesiredStateAnswer, type StatusReport } from "../../model/index.js";
import { type BackoffOptions, backoffDelay, sleep } from "./backoff.js";
import { type HttpAnswer, httpRequest, makeAgents } from "./http.js";

export interface ConfigClientOptions {
  /** Controller base URLs (`https://hub.example:7443`); tried in turn on failure. */
  readonly urls: readonly string[];
  /** The node credential, `hwn_NODE_SECRET`. */
  readonly credential: string;
  /** PEM of the controller CA to pin for https URLs; absent: the system roots. */
  readonly caPem?: string;
  /** How long the controller may hold a poll, seconds (default 30, at most 60). */
  readonly waitSeconds?: number;
  /** Retry delays (default 0.5 s doubling to 30 s, full jitter). */
  readonly backoff?: BackoffOptions;
  /** A report (or a poll beyond its wait) without an answer in this long fails, ms (default 15,000). */
  readonly timeoutMs?: number;
  /** Told about each failed attempt before the retry (for the agent's log). */
  readonly onRetry?: (info: { url: string; error: Error; delayMs: number }) => void;
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "[::1]" || /^127\./.test(host);
}

/** A refusal that retrying cannot fix: `status` 401/403 (credential revoked or wrong) or 400. */
export class ConfigClientError extends Error {
  override readonly name = "ConfigClientError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** An answer worth retrying elsewhere or later. */
class RetryableError extends Error {}

const PERMANENT = new Set([400, 401, 403]);

export class ConfigClient {
  private readonly urls: URL[];
  private readonly agents: ReturnType<typeof makeAgents>;
  /** Index of the URL to try next; it stays on one that answers. */
  private current = 0;
  /** Backoff waits to cut short: any answer (a status report, say) shows a controller is back. */
  private readonly backoffWaiters = new Set<() => void>();

  constructor(private readonly options: ConfigClientOptions) {
    if (options.urls.length === 0) throw new Error("ConfigClient needs at least one controller URL");
    this.urls = options.urls.map((u) => {
      const url = new URL(u);
      if (url.protocol !== "https:" && url.protocol !== "http:") {
        throw new Error(`controller URL ${u} is not http(s)`);
      }
      // The credential is a bearer secret: plain HTTP only where it never leaves the machine.
      if (url.protocol === "http:" && !isLoopback(url.hostname)) {
        throw new Error(`controller URL ${u}: plain http is allowed on loopback only; use https`);
      }
      return url;
    });
    const wait = options.waitSeconds ?? 30;
    if (!Number.isInteger(wait) || wait < 0 || wait > 60) throw new Error("waitSeconds must be 0..60");
    this.agents = makeAgents(options.caPem);
  }

  /**
   * The node's desired state when it differs from `have`, else `undefined` after the controller
   * held the poll without a change. `have` is the state the agent holds (then the controller may
   * answer with a patch of it, which is applied here) or just its revision. Retries until it has
   * an answer or `signal` aborts. An answer that is not a state this agent can read (another
   * protocol version, a malformed body, a patch that does not apply) throws `DesiredStateRefused`
   * naming what is wrong: asking again would only get the same.
   */
  async next(
    have: DesiredState | string | undefined,
    signal?: AbortSignal,
  ): Promise<DesiredState | undefined> {
    const wait = this.options.waitSeconds ?? 30;
    const query = new URLSearchParams({ wait: String(wait) });
    const base = typeof have === "object" ? have : undefined;
    const revision = typeof have === "object" ? have.revision : have;
    if (revision !== undefined) query.set("have", revision);
    if (base) query.set("patch", "1");
    const answer = await this.withRetry(
      (url) =>
        this.send(url, "GET", `/agent/v1/config?${query}`, undefined, wait * 1000 + this.timeout(), signal),
      signal,
      true,
    );
    if (answer.status === 204) return undefined;
    return parseDesiredStateAnswer(answer.body, base);
  }

  /**
   * Sends one status report, trying each URL once (from the one that last answered); rejects when
   * none took it — the next report, a few seconds later, supersedes this one anyway.
   */
  async report(status: StatusReport, signal?: AbortSignal): Promise<void> {
    const body = JSON.stringify(status);
    await this.withRetry(
      (url) => this.send(url, "POST", "/agent/v1/status", body, this.timeout(), signal),
      signal,
      false,
    );
  }

  /**
   * The preshared keys of this node's peers, by `presharedKeyRef` (with `refs`, of those only),
   * trying each URL once; rejects when none answered (the caller then keeps the data plane as it
   * is rather than drop the keys).
   */
  async presharedKeys(signal?: AbortSignal, refs?: readonly string[]): Promise<Map<string, string>> {
    const path =
      refs === undefined
        ? "/agent/v1/preshared-keys"
        : `/agent/v1/preshared-keys?refs=${encodeURIComponent(refs.join(","))}`;
    const answer = await this.withRetry(
      (url) => this.send(url, "GET", path, undefined, this.timeout(), signal),
      signal,
      false,
    );
    const { keys } = JSON.parse(answer.body) as { keys: Record<string, string> };
    return new Map(Object.entries(keys));
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  /** Sleeps `ms` unless another call reaches a controller first (then retries at once). */
  private async backoff(ms: number, signal: AbortSignal | undefined): Promise<void> {
    let wake: () => void = () => {};
    const woken = new Promise<void>((resolve) => {
      wake = resolve;
    });
    this.backoffWaiters.add(wake);
    try {
      await Promise.race([sleep(ms, signal), woken]);
    } finally {
      this.backoffWaiters.delete(wake);
    }
  }

  private timeout(): number {
    return this.options.timeoutMs ?? 15_000;
  }

  private async withRetry(
    attempt: (url: URL) => Promise<HttpAnswer>,
    signal: AbortSignal | undefined,
    forever: boolean,
  ): Promise<HttpAnswer> {
    let round = 0;
    let triedThisRound = 0;
    for (;;) {
      const url = this.urls[this.current]!;
      try {
        const answer = await attempt(url);
        for (const wake of this.backoffWaiters) wake();
        return answer;
      } catch (error) {
        if (error instanceof ConfigClientError || signal?.aborted)
          throw signal?.aborted ? signal.reason : error;
        this.current = (this.current + 1) % this.urls.length;
        triedThisRound++;
        const roundDone = triedThisRound >= this.urls.length;
        if (roundDone && !forever) throw error;
        // Fail over to the next URL at once; back off once every URL failed in this round.
        const delayMs = roundDone ? backoffDelay(round, this.options.backoff) : 0;
        this.options.onRetry?.({ url: url.origin, error: error as Error, delayMs });
        if (roundDone) {
          round++;
          triedThisRound = 0;
          await this.backoff(delayMs, signal);
        }
      }
    }
  }

  private async send(
    base: URL,
    method: "GET" | "POST",
    path: string,
    body: string | undefined,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<HttpAnswer> {
    const url = new URL(path, base);
    const answer = await httpRequest({
      method,
      url,
      headers: { authorization: `Bearer ${this.options.credential}`, accept: "application/json" },
      ...(body !== undefined ? { body } : {}),
      timeoutMs,
      ...(signal ? { signal } : {}),
      agent: url.protocol === "https:" ? this.agents.https : this.agents.http,
    });
    if (answer.status === 200 || answer.status === 204) return answer;
    const error = errorOf(answer);
    if (PERMANENT.has(answer.status)) throw new ConfigClientError(answer.status, error.code, error.message);
    throw new RetryableError(`${url.origin} answered ${answer.status} ${error.code}: ${error.message}`);
  }
}

function errorOf(answer: HttpAnswer): { code: string; message: string } {
  return readErrorAnswer(answer.body) ?? { code: "unknown", message: answer.body.slice(0, 200) };
}
