/**
 * Test prerequisites (root, namespaces, WireGuard tools): checked once per process, then a
 * suite either runs, is skipped with a loud line on stderr, or — under CI, where `.ci/run`
 * installs everything — fails with a test that names what is missing. Never a silent pass.
 */
import { execFileSync } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import { describe, it } from "vitest";

/** Something a data-plane test can need from the machine. */
export type Prerequisite =
  | "root"
  | "netns"
  | "wireguard-go"
  | "wg"
  | "wg-quick"
  | "nft"
  | "ip"
  | "openssl"
  | "ping"
  /** Prometheus' checker (Debian package `prometheus`), for the metrics and alert-rule tests. */
  | "promtool"
  /** Prometheus' server (Debian package `prometheus`), for the dashboard and alert tests against a real one. */
  | "prometheus"
  /** systemd's unit checker (Debian package `systemd`), for the shipped unit files. */
  | "systemd-analyze"
  /** Debian's Chromium (package `chromium`), driven by playwright-core in the web UI's browser tests. */
  | "chromium";

/** Whether every requested prerequisite is there; if not, which are missing and why. */
export type PrerequisiteResult = { ok: true } | { ok: false; missing: Prerequisite[]; reason: string };

/** Checks one prerequisite: `undefined` when present, else why it is missing. */
export type Probe = (name: Prerequisite) => string | undefined;

/** What {@link describeWith} does with a suite. */
export type SuitePlan =
  | { action: "run" }
  | { action: "skip"; line: string }
  | { action: "fail"; message: string };

/** Combines probe answers for `names` (duplicates checked once) into one result. */
export function checkPrerequisites(names: readonly Prerequisite[], probe: Probe): PrerequisiteResult {
  const missing: Prerequisite[] = [];
  const whys: string[] = [];
  for (const name of new Set(names)) {
    const why = probe(name);
    if (why === undefined) continue;
    missing.push(name);
    whys.push(why);
  }
  return missing.length === 0 ? { ok: true } : { ok: false, missing, reason: whys.join("; ") };
}

/**
 * True when running under CI: `CI` is set to anything but "", "0" or "false". There a missing
 * prerequisite means `.ci/run` is broken, so it must fail rather than skip.
 */
export function isCi(env: Record<string, string | undefined>): boolean {
  const v = env.CI?.trim().toLowerCase();
  return v !== undefined && v !== "" && v !== "0" && v !== "false";
}

/** Decides, without side effects, whether a suite titled `title` runs, skips or fails. */
export function planSuite(
  title: string,
  result: PrerequisiteResult,
  env: Record<string, string | undefined>,
): SuitePlan {
  if (result.ok) return { action: "run" };
  const needs = `needs ${result.missing.join(", ")} (${result.reason})`;
  if (isCi(env)) {
    return {
      action: "fail",
      message: `${title}: ${needs}. CI is set, so this is a failure, not a skip: .ci/run must install it.`,
    };
  }
  return { action: "skip", line: `SKIP ${title}: ${needs}` };
}

/** Which of `names` this machine lacks, and why. Results are cached for the process. */
export function requirePrerequisites(names: readonly Prerequisite[]): PrerequisiteResult {
  return checkPrerequisites(names, cachedSystemProbe);
}

/**
 * `describe(title, fn)` when the prerequisites are there. Otherwise prints
 * `SKIP <title>: needs <what> (<why>)` to stderr and skips the suite, or, when `CI` is set,
 * registers one failing test that names what is missing.
 */
export function describeWith(prereqs: readonly Prerequisite[], title: string, fn: () => void): void {
  const plan = planSuite(title, requirePrerequisites(prereqs), process.env);
  switch (plan.action) {
    case "run":
      describe(title, fn);
      return;
    case "skip": {
      process.stderr.write(`${plan.line}\n`);
      describe.skip(title, fn);
      return;
    }
    case "fail":
      describe(title, () => {
        it("has the prerequisites it needs", () => {
          throw new Error(plan.message);
        });
      });
      return;
  }
}

const cache = new Map<Prerequisite, string | undefined>();

function cachedSystemProbe(name: Prerequisite): string | undefined {
  if (!cache.has(name)) cache.set(name, systemProbe(name));
  return cache.get(name);
}

/** Looks at this machine; the one place here that does I/O. */
export function systemProbe(name: Prerequisite): string | undefined {
  switch (name) {
    case "root": {
      const uid = process.getuid?.();
      return uid === 0 ? undefined : `running as uid ${uid ?? "unknown"}, not root`;
    }
    case "netns":
      return (
        missingCommand("ip") ??
        missingCommand("unshare") ??
        missingCommand("nsenter") ??
        missingCommand("setpriv") ??
        canUnshare()
      );
    case "wireguard-go":
      return missingCommand("wireguard-go") ?? hasTun();
    default:
      return missingCommand(name);
  }
}

function missingCommand(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, cmd), constants.X_OK);
      return undefined;
    } catch {}
  }
  return `${cmd} not found on PATH`;
}

function canUnshare(): string | undefined {
  try {
    execFileSync("unshare", ["--net", "--mount", "true"], {
      stdio: ["ignore", "ignore", "pipe"],
      timeout: 5_000,
    });
    return undefined;
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? "").trim();
    return `cannot create network and mount namespaces: ${stderr || (err as Error).message}`;
  }
}

function hasTun(): string | undefined {
  try {
    return statSync("/dev/net/tun").isCharacterDevice() ? undefined : "/dev/net/tun is not a device";
  } catch {
    return "no /dev/net/tun (wireguard-go needs TUN)";
  }
}
