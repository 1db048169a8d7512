/**
 * Test hosts for data-plane tests: each host is a network namespace plus a private mount
 * namespace with its own tmpfs on /var/run/wireguard, so two hosts can both run a wireguard-go
 * interface with the same name (its control socket path is not per network namespace).
 *
 * A host is anchored by one long-lived process,
 * `ip netns exec NS unshare -m --propagation private setpriv --pdeathsig KILL sleep infinity`;
 * every command of the host then runs as `nsenter -t ANCHOR -m -n CMD ARGS...`. A {@link Lab}
 * owns its hosts and undoes everything it made, by PID and by namespace name; {@link useLab}
 * ties that to `afterAll`. Long-lived processes get a parent-death signal, so even a killed
 * test worker leaves no process behind; its namespaces are swept by the next lab.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, readlinkSync, realpathSync } from "node:fs";
import { afterAll } from "vitest";
import { type LongLived, type RunOptions, type RunResult, run, startProcess, stopProcess } from "./exec.js";
import { sweepStaleNamespaces } from "./sweep.js";

/**
 * Where wireguard-go keeps its control sockets, with symlinks resolved (/var/run → /run):
 * {@link Host.path} reads through /proc/PID/root, where an absolute symlink would resolve
 * against *our* root and silently look at the wrong directory.
 */
export const WG_SOCKET_DIR = realpathSync("/var/run") + "/wireguard";

/** Argv prefix: the process gets `sig` when the test worker dies (nsenter/unshare exec, no fork). */
const ORPHAN_GUARD = (sig: "TERM" | "KILL") => ["setpriv", "--pdeathsig", sig];

const HOST_NAME = /^[a-z0-9][a-z0-9-]{0,9}$/;
const IF_NAME = /^[a-zA-Z0-9_=+.-]{1,15}$/;

/** One test host: a network namespace with a private mount namespace. */
export class Host {
  constructor(
    private readonly lab: Lab,
    /** The short name the test gave it (≤10 chars, [a-z0-9-]). */
    readonly name: string,
    /** The unique network namespace name (`ip netns list`). */
    readonly netns: string,
    /** PID of the anchor process; `nsenter -t PID -m -n` enters this host. */
    readonly pid: number,
  ) {}

  /** Runs a command inside the host and resolves with its output; rejects on non-zero exit. */
  run(cmd: string, args: readonly string[], opts?: RunOptions): Promise<RunResult> {
    return run("nsenter", ["-t", String(this.pid), "-m", "-n", cmd, ...args], opts);
  }

  /** `ip ARGS...` inside the host. */
  ip(...args: string[]): Promise<RunResult> {
    return this.run("ip", args);
  }

  /** `wg ARGS...` inside the host. Keys go through files or stdin, never through args. */
  wg(...args: string[]): Promise<RunResult> {
    return this.run("wg", args);
  }

  /** `nft ARGS...` inside the host; pass a ruleset as `input` with args `-f -`. */
  nft(args: readonly string[], opts?: RunOptions): Promise<RunResult> {
    return this.run("nft", args, opts);
  }

  /**
   * Starts a long-lived process inside the host. It must stay in the foreground (no daemon
   * fork): the lab stops it by PID at cleanup, and it gets SIGTERM if the test worker dies.
   * A test may stop it earlier with `stopProcess`.
   */
  start(
    cmd: string,
    args: readonly string[],
    opts: { env?: Record<string, string>; logFile?: string } = {},
  ): Promise<LongLived> {
    const argv = ["-t", String(this.pid), "-m", "-n", ...ORPHAN_GUARD("TERM"), cmd, ...args];
    return this.lab.track(startProcess("nsenter", argv, opts));
  }

  /**
   * The path, seen from outside, of a file in this host's private mounts (e.g. its wg sockets).
   * `inside` must be free of symlinks (see {@link WG_SOCKET_DIR}).
   */
  path(inside: string): string {
    return `/proc/${this.pid}/root${inside}`;
  }
}

/** A veth pair between two hosts, both ends up and addressed. */
export interface Link {
  /** Interface name of the end in host a. */
  ifA: string;
  /** Interface name of the end in host b. */
  ifB: string;
}

/** Everything one test file creates; {@link Lab.cleanup} removes all of it. */
export class Lab {
  /**
   * Unique per process and lab, so parallel runs and files never share a namespace name.
   * Namespaces are `<id>-<host>`; keep the shape in step with `sweep.ts`.
   */
  readonly id = `hwt-${process.pid}-${randomBytes(2).toString("hex")}`;
  private readonly hostNames = new Set<string>();
  private swept: Promise<unknown> | undefined;
  private readonly procs: LongLived[] = [];
  private readonly netnsNames: string[] = [];
  private readonly onExit = () => this.cleanupSync();

  constructor() {
    process.once("exit", this.onExit);
  }

  /** Network namespaces this lab created and has not yet deleted. */
  get namespaces(): readonly string[] {
    return [...this.netnsNames];
  }

  /** PIDs of every process this lab started (anchors, daemons), exited or not. */
  get pids(): readonly number[] {
    return this.procs.map((p) => p.pid);
  }

  /** Creates a host named `name` (≤10 chars of [a-z0-9-]) with loopback up. */
  async addHost(name: string): Promise<Host> {
    if (!HOST_NAME.test(name)) throw new Error(`host name ${JSON.stringify(name)} must match ${HOST_NAME}`);
    if (this.hostNames.has(name)) throw new Error(`host ${name} already exists`);
    this.hostNames.add(name);
    this.swept ??= sweepStaleNamespaces();
    await this.swept;
    const netns = `${this.id}-${name}`;
    await run("ip", ["netns", "add", netns]);
    this.netnsNames.push(netns);
    const anchor = await this.track(
      startProcess("ip", [
        ...["netns", "exec", netns, "unshare", "-m", "--propagation", "private"],
        ...[...ORPHAN_GUARD("KILL"), "sleep", "infinity"],
      ]),
    );
    await waitForAnchor(anchor);
    const pid = String(anchor.pid);
    await run("nsenter", ["-t", pid, "-m", "mkdir", "-p", WG_SOCKET_DIR]);
    await run("nsenter", [
      "-t",
      pid,
      "-m",
      "mount",
      "-t",
      "tmpfs",
      "-o",
      "mode=0700,size=4m",
      "tmpfs",
      WG_SOCKET_DIR,
    ]);
    const host = new Host(this, name, netns, anchor.pid);
    await host.ip("link", "set", "lo", "up");
    return host;
  }

  /**
   * Connects two hosts with a veth pair and gives each end an address with prefix, e.g.
   * `{ a: "192.0.2.1/24", b: "192.0.2.2/24" }`. Interface names default to `v-<other host>`.
   */
  async connect(
    a: Host,
    b: Host,
    addrs: { a: string; b: string; ifA?: string; ifB?: string },
  ): Promise<Link> {
    const ifA = addrs.ifA ?? `v-${b.name}`;
    const ifB = addrs.ifB ?? `v-${a.name}`;
    for (const n of [ifA, ifB])
      if (!IF_NAME.test(n)) throw new Error(`bad interface name ${JSON.stringify(n)}`);
    // Created directly inside both namespaces: the names never exist in ours, so no clash.
    await run("ip", [
      "link",
      "add",
      ifA,
      "netns",
      a.netns,
      "type",
      "veth",
      "peer",
      "name",
      ifB,
      "netns",
      b.netns,
    ]);
    await a.ip("addr", "add", addrs.a, "dev", ifA);
    await b.ip("addr", "add", addrs.b, "dev", ifB);
    await a.ip("link", "set", ifA, "up");
    await b.ip("link", "set", ifB, "up");
    return { ifA, ifB };
  }

  /** Registers a started process for cleanup; used by {@link Host.start}. */
  async track(started: Promise<LongLived>): Promise<LongLived> {
    const proc = await started;
    this.procs.push(proc);
    return proc;
  }

  /**
   * Stops every process (newest first, so daemons go before the anchors they live in) and
   * deletes every namespace. Safe to call twice; throws after trying everything if any step
   * failed.
   */
  async cleanup(): Promise<void> {
    const errors: unknown[] = [];
    for (const proc of [...this.procs].reverse()) {
      await stopProcess(proc).catch((e: unknown) => errors.push(e));
    }
    for (const netns of [...this.netnsNames]) {
      try {
        await run("ip", ["netns", "delete", netns]);
        this.netnsNames.splice(this.netnsNames.indexOf(netns), 1);
      } catch (e) {
        errors.push(e);
      }
    }
    if (this.netnsNames.length === 0) process.off("exit", this.onExit);
    if (errors.length > 0) throw new AggregateError(errors, `lab ${this.id}: cleanup failed`);
  }

  /** Last resort when the worker exits without running hooks: no waiting possible here. */
  private cleanupSync(): void {
    for (const proc of this.procs) {
      if (proc.hasExited()) continue;
      try {
        process.kill(proc.pid, "SIGKILL");
      } catch {}
    }
    for (const netns of this.netnsNames) {
      try {
        execFileSync("ip", ["netns", "delete", netns], { stdio: "ignore" });
      } catch {}
    }
  }
}

/** Makes a {@link Lab} whose cleanup runs in `afterAll` of the enclosing describe, pass or fail. */
export function useLab(): Lab {
  const lab = new Lab();
  afterAll(() => lab.cleanup(), 30_000);
  return lab;
}

/**
 * Waits until the anchor has exec'ed `sleep` behind `ip netns exec` and `unshare`. Entering it
 * any earlier would enter *our* mount namespace and mount a tmpfs over the real socket dir.
 */
async function waitForAnchor(anchor: LongLived): Promise<void> {
  const ours = readlinkSync("/proc/self/ns/mnt");
  for (let i = 0; i < 250; i++) {
    if (anchor.hasExited()) throw new Error(`host anchor exited: ${anchor.outputTail().trim()}`);
    try {
      const comm = readFileSync(`/proc/${anchor.pid}/comm`, "utf8").trim();
      if (comm === "sleep" && readlinkSync(`/proc/${anchor.pid}/ns/mnt`) !== ours) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`host anchor ${anchor.pid} did not start within 5 s`);
}
