/**
 * How the agent runs system commands (`wg`, `ip`, `nft`, `sysctl`, `wireguard-go`): always
 * `execFile`-style with an argument array, never a shell; secrets go in 0600 files or on stdin,
 * so argv (visible in `ps`) and error messages never hold them.
 *
 * A {@link Runner} is the one seam between the agent and the machine: the daemon uses
 * {@link localRunner}; tests run the same code against a network-namespace host with
 * {@link nsenterRunner}.
 */
import { execFile, spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

/** What a command printed when it exited 0. */
export interface CommandOutput {
  readonly stdout: string;
  readonly stderr: string;
}

/** A command that could not start or exited non-zero. `argv` never holds secrets. */
export class CommandFailedError extends Error {
  readonly code = "command-failed";
  constructor(
    readonly argv: readonly string[],
    readonly exitCode: number | string | null,
    readonly stderr: string,
  ) {
    super(
      `${argv.join(" ")}: ${exitCode === "ENOENT" ? "not found" : `exit ${exitCode}`}${stderr.trim() ? `: ${stderr.trim()}` : ""}`,
    );
    this.name = "CommandFailedError";
  }
}

/** Runs commands on the machine whose data plane the agent manages. */
export interface Runner {
  /** Runs `cmd args...`; rejects with {@link CommandFailedError} unless it exits 0. */
  run(
    cmd: string,
    args: readonly string[],
    opts?: {
      input?: string;
      timeoutMs?: number;
      /**
       * The command prints a large output in many small writes (iproute2 flushes after every
       * route: 10,000 writes for 10,000 routes, each waking this process): it goes to an unlinked
       * temporary file instead of a pipe and is read once the command exits.
       */
      spooled?: boolean;
    },
  ): Promise<CommandOutput>;
  /**
   * Starts a daemon that detaches itself (as `wireguard-go IFNAME` does) and waits for the
   * launching process to exit; rejects when that exits non-zero.
   */
  daemon(cmd: string, args: readonly string[]): Promise<void>;
  /**
   * Starts a long-running command (as `ping` for failover probes) and hands each line it prints
   * on stdout or stderr to `onLine`, until it exits or is stopped.
   */
  watch(cmd: string, args: readonly string[], onLine: (line: string) => void): Watched;
  /**
   * Starts a long-running command that reads requests on stdin and answers on stdout and stderr
   * (`nft -i`, see `apply/nft-session.ts`), so that each request costs no process start. Absent on
   * runners that cannot keep one (test fakes): callers then run one command per request.
   */
  coprocess?(cmd: string, args: readonly string[], on: CoprocessHandlers): Coprocess;
  /** Whether `cmd` is an executable on this runner's PATH. */
  has(cmd: string): boolean;
}

/** A command started by {@link Runner.watch}. */
export interface Watched {
  /** Settles when the command has exited (its exit code; null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** Ends the command (SIGTERM). */
  stop(): void;
}

/** Where a {@link Coprocess}'s output goes, as it arrives (UTF-8 chunks, not lines). */
export interface CoprocessHandlers {
  stdout(chunk: string): void;
  stderr(chunk: string): void;
  /** It exited (its exit code; null when killed by a signal; -1 when it could not start). */
  exit(code: number | null): void;
}

/** A command started by {@link Runner.coprocess}. Its handles never keep this process alive. */
export interface Coprocess {
  /** Writes `text` to its stdin. */
  write(text: string): void;
  /** Ends it: stdin closed, then SIGTERM. */
  stop(): void;
}

/** Options of {@link localRunner}. */
export interface RunnerOptions {
  /** PATH used to find commands; default this process's PATH. */
  readonly path?: string;
  /** Argv prefix, e.g. `["/usr/bin/nsenter", "-t", PID, "-m", "-n"]` to enter a host. */
  readonly prefix?: readonly string[];
}

function findOnPath(cmd: string, path: string): string | undefined {
  if (cmd.includes("/")) return cmd;
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, cmd), constants.X_OK);
      return join(dir, cmd);
    } catch {}
  }
  return undefined;
}

let shared: { readonly path: string; readonly runner: Runner } | undefined;

/**
 * A runner for this machine (or, with `prefix`, for a namespace entered through it). Without
 * options, one per PATH for the whole process, so where commands were found is remembered.
 */
export function localRunner(opts: RunnerOptions = {}): Runner {
  if (opts.path === undefined && opts.prefix === undefined) {
    const path = process.env.PATH ?? "";
    if (shared?.path !== path) shared = { path, runner: makeRunner({ path }) };
    return shared.runner;
  }
  return makeRunner(opts);
}

function makeRunner(opts: RunnerOptions): Runner {
  const path = opts.path ?? process.env.PATH ?? "";
  const env = { ...process.env, PATH: path };
  // Where each command was found: an apply asks several times, and each look is a stat per PATH
  // entry. Only hits are kept, so a command installed while the agent runs is found.
  const found = new Map<string, string>();
  const locate = (cmd: string): string | undefined => {
    let file = found.get(cmd);
    if (file === undefined) {
      file = findOnPath(cmd, path);
      if (file !== undefined) found.set(cmd, file);
    }
    return file;
  };
  const argvOf = (cmd: string, args: readonly string[]): string[] => {
    // Resolved here so a command missing from *our* PATH fails as "not found", prefix or not.
    const file = locate(cmd) ?? cmd;
    return [...(opts.prefix ?? []), file, ...args];
  };
  return {
    has: (cmd) => locate(cmd) !== undefined,
    run(cmd, args, o = {}) {
      const [file, ...rest] = argvOf(cmd, args);
      const shown = [cmd, ...args];
      if (o.spooled) return spooledRun(file!, rest, shown, env, o);
      return new Promise((resolve, reject) => {
        const child = execFile(
          file!,
          rest,
          { env, timeout: o.timeoutMs ?? 30_000, maxBuffer: 256 * 1024 * 1024, encoding: "utf8" },
          (err, stdout, stderr) => {
            if (!err) return resolve({ stdout, stderr });
            const code = (err as NodeJS.ErrnoException & { code?: number | string }).code ?? null;
            reject(new CommandFailedError(shown, code, stderr));
          },
        );
        if (o.input !== undefined) {
          child.stdin?.on("error", () => {});
          child.stdin?.end(o.input);
        } else child.stdin?.end();
      });
    },
    watch(cmd, args, onLine) {
      const [file, ...rest] = argvOf(cmd, args);
      const child = spawn(file!, rest, { env, stdio: ["ignore", "pipe", "pipe"] });
      for (const stream of [child.stdout, child.stderr]) {
        let partial = "";
        stream.setEncoding("utf8").on("data", (chunk: string) => {
          const lines = (partial + chunk).split("\n");
          partial = lines.pop()!;
          for (const line of lines) if (line) onLine(line);
        });
      }
      const exited = new Promise<number | null>((resolve) => {
        child.on("error", () => resolve(-1));
        child.on("close", (code) => resolve(code));
      });
      return {
        exited,
        stop: () => {
          if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
        },
      };
    },
    coprocess(cmd, args, on) {
      const [file, ...rest] = argvOf(cmd, args);
      const child = spawn(file!, rest, { env, stdio: ["pipe", "pipe", "pipe"] });
      let exited = false;
      const exit = (code: number | null) => {
        if (exited) return;
        exited = true;
        on.exit(code);
      };
      child.on("error", () => exit(-1));
      child.on("exit", (code) => exit(code));
      child.stdin.on("error", () => {}); // a dead child's stdin: seen as its exit
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => on.stdout(chunk));
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => on.stderr(chunk));
      // An idle co-process must not keep the agent (or a test worker) running; when this process
      // ends, its stdin reaches end of file and it exits too.
      child.unref();
      for (const stream of [child.stdin, child.stdout, child.stderr])
        (stream as unknown as { unref?: () => void }).unref?.();
      return {
        write: (text) => {
          if (!exited) child.stdin.write(text);
        },
        stop: () => {
          child.stdin.end();
          if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
        },
      };
    },
    daemon(cmd, args) {
      const [file, ...rest] = argvOf(cmd, args);
      return new Promise((resolve, reject) => {
        // Not our child for long: the daemon forks, the launcher exits, and the interface
        // outlives the agent (fail static: a restarting agent must find it still running).
        const child = spawn(file!, rest, { env, stdio: ["ignore", "ignore", "pipe"], detached: true });
        let stderr = "";
        child.stderr?.setEncoding("utf8").on("data", (d: string) => {
          stderr += d;
        });
        child.on("error", (e: NodeJS.ErrnoException) =>
          reject(new CommandFailedError([cmd, ...args], e.code ?? null, "")),
        );
        child.on("close", (code) =>
          code === 0 ? resolve() : reject(new CommandFailedError([cmd, ...args], code, stderr)),
        );
      });
    },
  };
}

/** `run` with stdout in an unlinked temporary file (see `spooled`); stderr and stdin as usual. */
async function spooledRun(
  file: string,
  args: readonly string[],
  shown: readonly string[],
  env: NodeJS.ProcessEnv,
  o: { input?: string; timeoutMs?: number },
): Promise<CommandOutput> {
  const dir = await mkdtemp(join(tmpdir(), "hubwire-out-"));
  const path = join(dir, "stdout");
  const out = await open(path, "w+", 0o600);
  try {
    await rm(dir, { recursive: true, force: true }); // the open descriptor keeps the file
    const { code, stderr } = await new Promise<{ code: number | string | null; stderr: string }>(
      (resolve) => {
        const child = spawn(file, args, { env, stdio: ["pipe", out.fd, "pipe"] });
        let stderr = "";
        const timer = setTimeout(() => child.kill("SIGTERM"), o.timeoutMs ?? 30_000);
        child.stderr!.setEncoding("utf8").on("data", (d: string) => {
          stderr += d;
        });
        child.on("error", (e: NodeJS.ErrnoException) => {
          clearTimeout(timer);
          resolve({ code: e.code ?? null, stderr });
        });
        child.on("close", (exit, signal) => {
          clearTimeout(timer);
          resolve({ code: exit ?? signal, stderr });
        });
        child.stdin!.on("error", () => {});
        child.stdin!.end(o.input);
      },
    );
    if (code !== 0) throw new CommandFailedError(shown, code, stderr);
    const { size } = await out.stat();
    const buffer = Buffer.alloc(size);
    await out.read(buffer, 0, size, 0);
    return { stdout: buffer.toString("utf8"), stderr };
  } finally {
    await out.close();
  }
}

/**
 * A runner that executes everything inside the host whose namespaces process `pid` is in
 * (`nsenter -t PID -m -n`): the test harness's hosts, or a diagnostic tool.
 */
export function nsenterRunner(pid: number, opts: { path?: string } = {}): Runner {
  const nsenter = findOnPath("nsenter", process.env.PATH ?? "") ?? "nsenter";
  return localRunner({ ...opts, prefix: [nsenter, "-t", String(pid), "-m", "-n"] });
}
