/**
 * One long-lived `nft -t -i` per runner, so the hub's firewall set updates and table reads cost
 * no process start: starting `nft` costs ≈ 30 ms here (forking the agent's large process blocks
 * its event loop, then nft's own start and netlink cache), the set update itself ≈ 1 ms.
 *
 * What `nft -i` does with its input (checked on nft 1.0.6): each line is one command list and one
 * transaction — a failing command leaves the whole line unapplied —, errors go to stderr (the
 * message, the line echoed, a line of carets), success prints nothing, and stdout is flushed
 * after each command. A line ending with a backslash continues on the next one. So a request is
 * one line followed by two markers: `describe ip version`, whose known output (learned when the
 * session starts) ends the request's stdout, and `list table inet @hubwire-sync-N`, a syntax
 * error that can never succeed, whose echo ends its stderr. The cache nft keeps between commands
 * is refreshed from the kernel's generation for each, so changes made by others are seen.
 *
 * A session that dies, answers nothing in time or prints what this does not expect is stopped and
 * the request rejected with {@link NftSessionError}; callers then run a one-shot `nft`, and the
 * next request starts a new session. An idle session ends after {@link IDLE_MS}.
 */
import type { Coprocess, Runner } from "../exec.js";

/** The session failed (not nft refusing a command): run the command another way. */
export class NftSessionError extends Error {
  override readonly name = "NftSessionError";
}

/** What one request printed. `stderr` is empty when nft accepted it. */
export interface NftAnswer {
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link NftSession}. */
export interface NftSessionOptions {
  /** A request without an answer in this long fails the session, ms (default 10,000). */
  readonly timeoutMs?: number;
  /** An idle session ends after this long, ms (default {@link IDLE_MS}). */
  readonly idleMs?: number;
}

/** An idle session ends after this long: it holds an nft process and its netlink socket. */
export const IDLE_MS = 5 * 60_000;

/** Lines longer than this go to a one-shot `nft -f` instead (nothing is known to limit them). */
const MAX_LINE = 1 << 20;

const STDOUT_MARK = "describe ip version";

/** Whether `line` can be sent as one request: one line, not continued onto the next. */
export function fitsSession(line: string): boolean {
  return line.length > 0 && line.length <= MAX_LINE && !/[\n\r]/.test(line) && !line.endsWith("\\");
}

interface Pending {
  readonly mark: string;
  readonly resolve: (answer: NftAnswer) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

const sessions = new WeakMap<Runner, NftSession>();

/** `text` is some line-ended text twice over. */
function isTwice(text: string): boolean {
  const half = text.slice(0, text.length / 2);
  return text.length % 2 === 0 && half.endsWith("\n") && text === half + half;
}

export class NftSession {
  private proc: Coprocess | undefined;
  /** Output since the last answer. */
  private out = "";
  private err = "";
  private pending: Pending | undefined;
  /** What `describe ip version` prints in this session; undefined until learned. */
  private stdoutMark: string | undefined;
  private started: Promise<void> | undefined;
  private seq = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private idle: NodeJS.Timeout | undefined;
  /** Sessions started so far (tests count restarts). */
  starts = 0;

  constructor(
    private readonly runner: Runner,
    private readonly opts: NftSessionOptions = {},
  ) {}

  /** The session of `runner`; undefined when it cannot keep a co-process. */
  static of(runner: Runner): NftSession | undefined {
    if (runner.coprocess === undefined) return undefined;
    let s = sessions.get(runner);
    if (s === undefined) {
      s = new NftSession(runner);
      sessions.set(runner, s);
    }
    return s;
  }

  /**
   * Starts the session now if it is not running, so that a request soon after finds it ready;
   * failures are left for that request to see.
   */
  warm(): void {
    if (this.proc === undefined) void this.enqueue(() => this.ensureStarted()).catch(() => {});
  }

  /**
   * Runs one line (one transaction); resolves with what nft printed, `stderr` empty when it
   * accepted it. Rejects with {@link NftSessionError} when the session failed or the line cannot
   * be sent as one request ({@link fitsSession}); then nothing is known about whether it ran.
   */
  run(line: string): Promise<NftAnswer> {
    if (!fitsSession(line))
      return Promise.reject(new NftSessionError("not a single line nft -i can take as one request"));
    return this.enqueue(async () => {
      await this.ensureStarted();
      return this.request(line);
    });
  }

  /** Ends the session (if running). */
  stop(): void {
    this.fail(new NftSessionError("nft session stopped"));
  }

  private enqueue<T>(job: () => Promise<T>): Promise<T> {
    const next = this.queue.then(job, job);
    this.queue = next.catch(() => {});
    return next;
  }

  private ensureStarted(): Promise<void> {
    if (this.proc !== undefined && this.started !== undefined) return this.started;
    this.starts++;
    this.out = "";
    this.err = "";
    this.stdoutMark = undefined;
    const proc = this.runner.coprocess!("nft", ["-t", "-i"], {
      stdout: (chunk) => {
        if (this.proc !== proc) return;
        this.out += chunk;
        this.check();
      },
      stderr: (chunk) => {
        if (this.proc !== proc) return;
        this.err += chunk;
        this.check();
      },
      exit: (code) => {
        if (this.proc === proc) this.fail(new NftSessionError(`nft -i exited (${code ?? "signal"})`));
      },
    });
    this.proc = proc;
    // Learn what the stdout marker prints: sent twice, the output is that text twice.
    this.started = this.request(`${STDOUT_MARK}\n${STDOUT_MARK}`, true).then(({ stdout, stderr }) => {
      if (stderr !== "") throw this.fail(new NftSessionError(`nft -i: "${STDOUT_MARK}" failed: ${stderr}`));
      this.stdoutMark = stdout.slice(0, stdout.length / 2);
    });
    return this.started;
  }

  /** Sends `line` and the markers; resolves when both markers are back. */
  private request(line: string, handshake = false): Promise<NftAnswer> {
    const proc = this.proc;
    if (proc === undefined) return Promise.reject(new NftSessionError("nft session not running"));
    if (this.idle) clearTimeout(this.idle);
    const mark = `list table inet @hubwire-sync-${++this.seq}`;
    return new Promise<NftAnswer>((resolve, reject) => {
      const timer = setTimeout(
        () => this.fail(new NftSessionError("nft -i gave no answer in time")),
        this.opts.timeoutMs ?? 10_000,
      );
      // Not unref'd: the process's handles are, and a pending request must keep this one alive.
      this.pending = {
        mark,
        timer,
        resolve: (answer) => {
          this.idle = setTimeout(() => this.stop(), this.opts.idleMs ?? IDLE_MS);
          this.idle.unref();
          resolve(answer);
        },
        reject,
      };
      proc.write(handshake ? `${line}\n${mark}\n` : `${line}\n${STDOUT_MARK}\n${mark}\n`);
    });
  }

  /** Settles the pending request once both markers have arrived. */
  private check(): void {
    const p = this.pending;
    if (p === undefined) {
      // Output nobody asked for: the session is not in the state this expects.
      if (this.out !== "" || this.err !== "") this.fail(new NftSessionError("nft -i printed unasked"));
      return;
    }
    const text = `\n${this.err}`;
    const echo = text.indexOf(`\n${p.mark}\n`);
    if (echo < 0) return;
    const caretsEnd = text.indexOf("\n", echo + p.mark.length + 2);
    if (caretsEnd < 0) return;
    // Everything the marker's own error printed is after the line before its echo.
    const errorLine = text.lastIndexOf("\n", echo - 1);
    if (errorLine < 0 || !text.slice(errorLine + 1, echo).startsWith("Error: ")) {
      this.fail(new NftSessionError("nft -i: marker error not as expected"));
      return;
    }
    const mark = this.stdoutMark;
    // The marker's error is printed after the stdout marker's output was flushed, which then
    // is in the pipe already: wait for it to be read. Before the marker's output is known (the
    // first request, which sends it twice), wait for the same text twice.
    if (mark === undefined ? !isTwice(this.out) : !this.out.endsWith(mark)) return;
    if (text.length !== caretsEnd + 1) {
      this.fail(new NftSessionError("nft -i printed past its marker"));
      return;
    }
    const stderr = text.slice(1, errorLine + 1);
    const stdout = mark === undefined ? this.out : this.out.slice(0, -mark.length);
    this.out = "";
    this.err = "";
    this.pending = undefined;
    clearTimeout(p.timer);
    p.resolve({ stdout, stderr });
  }

  /** Stops the process and rejects what is pending; returns `error` (to throw). */
  private fail(error: NftSessionError): NftSessionError {
    const proc = this.proc;
    const p = this.pending;
    this.proc = undefined;
    this.started = undefined;
    this.pending = undefined;
    if (this.idle) clearTimeout(this.idle);
    proc?.stop();
    if (p) {
      clearTimeout(p.timer);
      p.reject(error);
    }
    return error;
  }
}
