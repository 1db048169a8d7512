/**
 * Raises this process's open-file limit (RLIMIT_NOFILE) before a benchmark opens thousands of
 * sockets; child processes forked afterwards inherit it. Node.js has no setrlimit, so it asks
 * util-linux `prlimit` to set it on this process's pid (raising the hard limit needs root or
 * CAP_SYS_RESOURCE). A limit that cannot be raised is an error naming what is needed, rather
 * than a benchmark that fails later with EMFILE half way through connecting.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** The current soft and hard open-file limits of this process (`Infinity` for unlimited). */
export function openFileLimit(): { soft: number; hard: number } {
  const line = /^Max open files\s+(\S+)\s+(\S+)/m.exec(readFileSync("/proc/self/limits", "utf8"));
  if (!line) throw new Error("cannot read the open-file limit from /proc/self/limits");
  const n = (s: string) => (s === "unlimited" ? Number.POSITIVE_INFINITY : Number(s));
  return { soft: n(line[1]!), hard: n(line[2]!) };
}

/**
 * Raises the limit towards `wanted` open files: the hard limit too when allowed, else the soft one
 * up to the hard one. Returns the limit now in force; throws when it is below `minimum`.
 */
export function ensureOpenFiles(wanted: number, minimum: number): number {
  let { soft, hard } = openFileLimit();
  if (soft >= wanted) return soft;
  const target = (n: number) => {
    execFileSync("prlimit", ["--pid", String(process.pid), `--nofile=${n}:${Math.max(n, hard)}`], {
      stdio: ["ignore", "ignore", "pipe"],
    });
  };
  let refused = "";
  try {
    target(wanted);
  } catch (error) {
    // Without CAP_SYS_RESOURCE (containers) the hard limit cannot rise: take what it allows.
    refused = String((error as { stderr?: Buffer }).stderr ?? (error as Error).message).trim();
    if (soft < hard) target(hard);
  }
  ({ soft, hard } = openFileLimit());
  if (soft < minimum)
    throw new Error(
      `this benchmark needs at least ${minimum} open files; the limit is ${soft} (hard ${hard}) and prlimit could not raise it${refused ? `: ${refused}` : ""} — run with CAP_SYS_RESOURCE or raise ulimit -Hn first`,
    );
  return soft;
}
