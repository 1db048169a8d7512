/**
 * A small hub-and-spoke lab for the agent's data-plane tests: one hub and two spokes as
 * network-namespace hosts on an underlay, each with its own state directory (so real keys),
 * and the compiled desired state of each from a real intent. Test support only.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compile, groupResources } from "../../compile/index.js";
import { type DesiredState, parseDocuments } from "../../model/index.js";
import { localRunner, nsenterRunner, type Runner } from "../exec.js";
import { type Identity, openStateDir, type StateDir } from "../state-dir.js";

/** Hosts as the harness makes them (structural, so this file needs no vitest). */
export interface LabHost {
  readonly name: string;
  readonly pid: number;
  readonly netns: string;
  ip(...args: string[]): Promise<unknown>;
}

/** One node of the lab: its host, runner, state directory and identity. */
export interface LabNode {
  readonly name: string;
  readonly host: LabHost;
  readonly runner: Runner;
  readonly dir: StateDir;
  readonly id: Identity;
}

/** Underlay: hub 192.0.2.1 ↔ sa 192.0.2.11, hub 198.51.100.1 ↔ sb 198.51.100.12. */
export const UNDERLAY = {
  hubA: "192.0.2.1/24",
  sa: "192.0.2.11/24",
  hubB: "198.51.100.1/24",
  sb: "198.51.100.12/24",
} as const;

/** Makes the state directory and runner of a host. */
export async function labNode(name: string, host: LabHost, dirs: string[]): Promise<LabNode> {
  const path = await mkdtemp(join(tmpdir(), `hwag-${name}-`));
  dirs.push(path);
  const dir = await openStateDir(join(path, "state"));
  return { name, host, runner: nsenterRunner(host.pid), dir, id: await dir.identity() };
}

/** Removes the state directories made by {@link labNode}. */
export async function removeDirs(dirs: readonly string[]): Promise<void> {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
}

/** Intent knobs the tests turn. */
export interface LabIntent {
  readonly hubKey: string;
  readonly saKey: string;
  readonly sbKey: string;
  /** Extra subnets of spoke sb (changing it changes only sb's peer on the hub). */
  readonly sbSubnets?: readonly string[];
  /** Leave sb out (its peer is removed from the hub). */
  readonly withoutSb?: boolean;
  readonly defaultAction?: "allow" | "deny";
}

/** The lab's intent as YAML. */
export function labYaml(i: LabIntent): string {
  const node = (name: string, role: string, extra: string) =>
    `---\napiVersion: hubwire/v1\nkind: Node\nmetadata: { name: ${name} }\nspec:\n  network: lab\n  role: ${role}\n${extra}`;
  return [
    `apiVersion: hubwire/v1\nkind: Network\nmetadata: { name: lab }\nspec:\n  cidr: 10.77.0.0/24\n  cidr6: fd77::/64\n  defaultAction: ${i.defaultAction ?? "allow"}\n`,
    node("hub", "hub", `  endpoint: 192.0.2.1:51820\n  tunnelAddress: 10.77.0.1\n  publicKey: ${i.hubKey}\n`),
    node(
      "sa",
      "spoke",
      `  endpoint: 192.0.2.11:51820\n  tunnelAddress: 10.77.0.11\n  subnets: [172.16.1.0/24]\n  hubs: [hub]\n  publicKey: ${i.saKey}\n`,
    ),
    i.withoutSb
      ? ""
      : node(
          "sb",
          "spoke",
          `  endpoint: 198.51.100.12:51820\n  tunnelAddress: 10.77.0.12\n  subnets: [${["172.16.2.0/24", ...(i.sbSubnets ?? [])].join(", ")}]\n  hubs: [hub]\n  publicKey: ${i.sbKey}\n`,
        ),
  ].join("");
}

/** Compiles the lab intent; throws with the issues when it does not compile. */
export function compileLab(i: LabIntent): Map<string, DesiredState> {
  const parsed = parseDocuments(labYaml(i), "lab.yaml");
  if (parsed.issues.length > 0) throw new Error(JSON.stringify(parsed.issues));
  const result = compile(groupResources(parsed.resources));
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return new Map(result.states);
}

/**
 * Kills the wireguard-go daemons in `netns` (the agent starts them detached, as in production,
 * so the lab does not track them), by PID. Only processes inside that namespace are touched.
 */
export async function killDaemons(host: { readonly netns: string }): Promise<void> {
  const pids = (
    await localRunner()
      .run("ip", ["netns", "pids", host.netns])
      .catch(() => ({ stdout: "" }))
  ).stdout;
  for (const pid of pids.split(/\s+/).filter(Boolean)) {
    const comm = await readFile(`/proc/${pid}/comm`, "utf8").catch(() => "");
    if (comm.trim() !== "wireguard-go") continue;
    try {
      process.kill(Number(pid), "SIGKILL");
    } catch {}
  }
}

/** `ip route show proto 157` lines of both families, for counting and duplicate checks. */
export async function hubwireRouteLines(runner: Runner): Promise<string[]> {
  const out: string[] = [];
  for (const family of ["-4", "-6"]) {
    const { stdout } = await runner.run("ip", [family, "route", "show", "proto", "157"]);
    out.push(...stdout.split("\n").filter((l) => l.trim() !== ""));
  }
  return out;
}
