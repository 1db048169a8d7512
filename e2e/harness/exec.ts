/**
 * Starting processes for the data-plane harness: one-shot commands with captured output, and
 * long-lived children that can be stopped by PID. Always an argument array, never a shell.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";

/** Options for {@link run}. */
export interface RunOptions {
  /**
   * Text written to the child's stdin, then closed. Use it for secrets (keys): it never
   * appears in argv or in error messages. Without it stdin is /dev/null.
   */
  input?: string;
  /** Kill the child (SIGKILL) after this long. Default 15 s. */
  timeoutMs?: number;
  /** Extra environment, merged over this process's environment. */
  env?: Record<string, string>;
}

/** What a command printed; only returned when it exited with status 0. */
export interface RunResult {
  stdout: string;
  stderr: string;
}

/** A command that could not start, exited non-zero, was killed, or timed out. */
export class CommandError extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly exitCode: number | null,
    readonly signal: NodeJS.Signals | null,
    readonly stdout: string,
    readonly stderr: string,
    why: string,
  ) {
    super(`${argv.join(" ")}: ${why}${stderr.trim() ? `\n${stderr.trim()}` : ""}`);
    this.name = "CommandError";
  }
}

/**
 * Runs `file args...` and resolves with its output when it exits 0. stdin is /dev/null unless
 * `input` is given: Node's stdio pipes are sockets, and bash (wg-quick) reads ~/.bashrc when
 * stdin is a socket; a socket stdin also cannot be reopened as /dev/stdin.
 */
export function run(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const argv = [file, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      stdio: [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      env: opts.env ? { ...process.env, ...opts.env } : process.env,
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout?.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr?.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, opts.timeoutMs ?? 15_000);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(new CommandError(argv, null, null, stdout, stderr, `cannot start: ${err.message}`));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve({ stdout, stderr });
      const why = timedOut
        ? `timed out after ${opts.timeoutMs ?? 15_000} ms`
        : signal
          ? `killed by ${signal}`
          : `exit status ${code}`;
      reject(new CommandError(argv, code, signal, stdout, stderr, why));
    });
    if (opts.input !== undefined) {
      // EPIPE when the child exits without reading: the exit status tells the story.
      child.stdin?.on("error", () => {});
      child.stdin?.end(opts.input);
    }
  });
}

/** A long-lived child started by {@link startProcess}. */
export interface LongLived {
  readonly pid: number;
  readonly argv: readonly string[];
  /** Resolves when the process has exited and its output is read (never rejects). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** True once the process has exited. */
  hasExited(): boolean;
  /** The last 8 KB the process wrote to stdout and stderr, for error messages. */
  outputTail(): string;
}

/**
 * Starts a long-lived child with stdin on /dev/null and its output kept (last 8 KB; all of it
 * appended to `logFile` when given, for tests that read a daemon's whole log).
 */
export function startProcess(
  file: string,
  args: readonly string[],
  opts: { env?: Record<string, string>; logFile?: string } = {},
): Promise<LongLived> {
  const argv = [file, ...args];
  const child: ChildProcess = spawn(file, args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: opts.env ? { ...process.env, ...opts.env } : process.env,
  });
  let tail = "";
  let done = false;
  const log = opts.logFile ? createWriteStream(opts.logFile, { flags: "a" }) : undefined;
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding("utf8").on("data", (d: string) => {
      tail = (tail + d).slice(-8192);
      log?.write(d);
    });
    // Neither the child nor its pipes may keep the test worker alive.
    (stream as unknown as { unref?: () => void } | null)?.unref?.();
  }
  child.unref();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on("close", (code, signal) => resolve({ code, signal }));
    child.on("exit", (code, signal) => {
      done = true;
      // A grandchild holding the pipes open would delay "close" forever.
      setTimeout(() => resolve({ code, signal }), 500).unref();
    });
  });
  return new Promise((resolve, reject) => {
    child.on("error", (err) =>
      reject(new CommandError(argv, null, null, "", tail, `cannot start: ${err.message}`)),
    );
    child.on("spawn", () =>
      resolve({
        pid: child.pid!,
        argv,
        exited,
        hasExited: () => done,
        outputTail: () => tail,
      }),
    );
  });
}

/** Stops a child by PID: SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
export async function stopProcess(proc: LongLived, graceMs = 3_000): Promise<void> {
  if (proc.hasExited()) return;
  signal(proc.pid, "SIGTERM");
  const timer = setTimeout(() => signal(proc.pid, "SIGKILL"), graceMs);
  await proc.exited;
  clearTimeout(timer);
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
  }
}
