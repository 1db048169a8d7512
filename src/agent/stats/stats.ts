/**
 * Per-interface and per-peer counters for the agent's status report (`POST /agent/v1/status`,
 * see contracts): rx/tx bytes, latest handshake and endpoint from `wg show all dump`, the up
 * state from `ip -j link`. Read-only.
 */
import { parseWgDump } from "../../wgconf/index.js";
import { localRunner, type Runner } from "../exec.js";

/** One peer in a status report. */
export interface StatusPeer {
  readonly publicKey: string;
  readonly endpoint: string | null;
  readonly rxBytes: number;
  readonly txBytes: number;
  /** Unix seconds; 0 = never. */
  readonly latestHandshake: number;
}

/** One interface in a status report. */
export interface StatusInterface {
  readonly name: string;
  readonly up: boolean;
  /** null when the interface does not exist or has no port. */
  readonly listenPort: number | null;
  readonly peers: readonly StatusPeer[];
}

/** The `interfaces` member of the status body. */
export type StatusInterfaces = StatusInterface[];

/**
 * Counters of `interfaceNames` (the desired state's interfaces), in that order. An interface
 * that does not exist is reported down with no peers, so the controller sees it is missing.
 */
export async function collectStats(
  interfaceNames: readonly string[],
  runner: Runner = localRunner(),
): Promise<StatusInterfaces> {
  const devices = new Map(
    parseWgDump((await runner.run("wg", ["show", "all", "dump"])).stdout).map((d) => [d.name, d]),
  );
  const out = (await runner.run("ip", ["-j", "link", "show"])).stdout.trim();
  const links = new Map(
    (JSON.parse(out || "[]") as { ifname: string; flags?: string[] }[]).map((l) => [l.ifname, l]),
  );
  return interfaceNames.map((name) => {
    const dev = devices.get(name);
    return {
      name,
      up: dev !== undefined && (links.get(name)?.flags ?? []).includes("UP"),
      listenPort: dev?.listenPort ? dev.listenPort : null,
      peers: (dev?.peers ?? []).map((p) => ({
        publicKey: p.publicKey,
        endpoint: p.endpoint,
        rxBytes: p.rxBytes,
        txBytes: p.txBytes,
        latestHandshake: p.latestHandshake,
      })),
    };
  });
}
