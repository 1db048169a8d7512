/**
 * Removes what a killed test worker left behind. Its processes die with it (parent-death
 * signal), but its namespaces stay mounted under /run/netns; the next lab deletes them.
 */
import { isAlive } from "../../src/testing/processes.js";
import { run } from "./exec.js";

/** Namespace names a Lab makes: `hwt-<pid>-<4 hex>-<host>`. */
const LAB_NETNS = /^hwt-(\d+)-[0-9a-f]{4}-/;

/**
 * Deletes lab namespaces whose owning process is gone and in which no process runs any more,
 * and returns their names. Namespaces of live processes (parallel runs) are left alone.
 */
export async function sweepStaleNamespaces(): Promise<string[]> {
  const swept: string[] = [];
  for (const line of (await run("ip", ["netns", "list"])).stdout.split("\n")) {
    const netns = line.split(" ")[0] ?? "";
    const owner = LAB_NETNS.exec(netns)?.[1];
    if (owner === undefined || isAlive(Number(owner))) continue;
    // Another lab may be sweeping the same namespace right now: losing that race is fine.
    const pids = await run("ip", ["netns", "pids", netns]).catch(() => undefined);
    if (pids === undefined || pids.stdout.trim() !== "") continue;
    const deleted = await run("ip", ["netns", "delete", netns]).then(
      () => true,
      () => false,
    );
    if (deleted) swept.push(netns);
  }
  return swept;
}
