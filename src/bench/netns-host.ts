/**
 * A throw-away network-namespace host for data-plane benchmarks: a netns plus a private mount
 * namespace with its own tmpfs on /run/wireguard (wireguard-go's socket path is not per
 * network namespace), entered with `nsenter -t ANCHOR -m -n`. Everything it starts is undone
 * by {@link BenchHost.destroy}, by PID and by name. (The test harness in `e2e/harness` does
 * the same for tests; benchmarks run from `dist/`, which does not include `e2e`.)
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, readlinkSync, realpathSync } from "node:fs";
import { localRunner, nsenterRunner, type Runner } from "../agent/exec.js";

/** A host made by {@link createBenchHost}. */
export interface BenchHost {
  readonly netns: string;
  readonly runner: Runner;
  /** Kills every process in the namespace (the anchor, wireguard-go daemons), deletes it. */
  destroy(): Promise<void>;
}

/** Creates netns `name` with a private mount namespace and loopback up. */
export async function createBenchHost(name: string): Promise<BenchHost> {
  const local = localRunner();
  await local.run("ip", ["netns", "add", name]);
  let anchor: ChildProcess | undefined;
  const destroy = async () => {
    const pids = (await local.run("ip", ["netns", "pids", name]).catch(() => ({ stdout: "" }))).stdout;
    for (const pid of pids.split(/\s+/).filter(Boolean)) {
      try {
        process.kill(Number(pid), "SIGKILL");
      } catch {}
    }
    if (anchor?.pid !== undefined) {
      try {
        process.kill(anchor.pid, "SIGKILL");
      } catch {}
    }
    await local.run("ip", ["netns", "delete", name]).catch(() => {});
  };
  try {
    anchor = spawn(
      "ip",
      [
        "netns",
        "exec",
        name,
        "unshare",
        "-m",
        "--propagation",
        "private",
        "setpriv",
        "--pdeathsig",
        "KILL",
        "sleep",
        "infinity",
      ],
      { stdio: "ignore" },
    );
    const pid = anchor.pid!;
    const ours = readlinkSync("/proc/self/ns/mnt");
    for (let i = 0; ; i++) {
      if (i > 250) throw new Error(`netns ${name}: anchor did not start`);
      try {
        const comm = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
        if (comm === "sleep" && readlinkSync(`/proc/${pid}/ns/mnt`) !== ours) break;
      } catch {}
      await new Promise((r) => setTimeout(r, 20));
    }
    const sockets = `${realpathSync("/var/run")}/wireguard`;
    const inMnt = localRunner({ prefix: ["nsenter", "-t", String(pid), "-m"] });
    await inMnt.run("mkdir", ["-p", sockets]);
    await inMnt.run("mount", ["-t", "tmpfs", "-o", "mode=0700,size=4m", "tmpfs", sockets]);
    const runner = nsenterRunner(pid);
    await runner.run("ip", ["link", "set", "lo", "up"]);
    return { netns: name, runner, destroy };
  } catch (e) {
    await destroy();
    throw e;
  }
}
