/**
 * Per-interface and per-peer counters for the agent's status report (`POST /agent/v1/status`,
 * see contracts): rx/tx bytes, latest handshake and endpoint from the devices (wireguard-go's UAPI
 * socket on this machine, `wg show all dump` over another host's runner), the up state from
 * `ip -j link`. Read-only.
 */
import { localRunner, type Runner } from "../exec.js";
import type { WgBackend } from "../wg/backend.js";
import { WgCliBackend } from "../wg/cli-backend.js";
import { WgUapiBackend } from "../wg/uapi-backend.js";

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

/** This machine's devices, read through their sockets: a report then starts one process, not two. */
let thisMachine: { runner: Runner; backend: WgBackend } | undefined;

/**
 * Counters of `interfaceNames` (the desired state's interfaces), in that order. An interface
 * that does not exist is reported down with no peers, so the controller sees it is missing.
 * `runner` given: that host's, over its `wg` CLI; absent: this machine's.
 */
export async function collectStats(
  interfaceNames: readonly string[],
  given?: Runner,
): Promise<StatusInterfaces> {
  thisMachine ??= { runner: localRunner(), backend: new WgUapiBackend(localRunner()) };
  const { runner, backend } = given ? { runner: given, backend: new WgCliBackend(given) } : thisMachine;
  const [shown, listed] = await Promise.all([backend.showAll(), runner.run("ip", ["-j", "link", "show"])]);
  const devices = new Map(shown.map((d) => [d.name, d]));
  const out = listed.stdout.trim();
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
