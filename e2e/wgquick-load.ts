/**
 * Loads a wg-quick file (as `hubwire render` writes them) into a wireguard-go interface of a
 * test host the way a real node would see it: `wg-quick strip` removes the wg-quick-only keys
 * (Address, MTU, DNS, Table, Pre/PostUp/Down, SaveConfig), `wg setconf` applies the rest.
 */
import { copyFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "./harness/exec.js";
import type { Host } from "./harness/netns.js";
import { startWireguardGo } from "./harness/wireguard.js";

/** What the loaded interface reports in `wg show IFNAME dump`, read back minimally. */
export interface LoadedInterface {
  ifname: string;
  /** The port wireguard-go listens on (the file's ListenPort, or a random one without it). */
  listenPort: number;
  peerCount: number;
  /** Peer public keys in the order `wg show` lists them. */
  peerPublicKeys: string[];
  /** The stripped text that was applied. */
  stripped: string;
}

/** wg-quick's own rule for interface names, and the Linux limit of 15 characters. */
const IFNAME = /^[a-zA-Z0-9_=+.-]{1,15}$/;

/**
 * Runs `wg-quick strip` on `confPath`, starts wireguard-go `ifname` in `host`, applies the
 * result with `wg setconf` and reads it back. Any file name works: wg-quick strip insists on
 * `<valid ifname>.conf` and maps a bare name to /etc/wireguard, so the file is first copied
 * to a private temp dir as `<ifname>.conf` (0600 there, so wg-quick does not warn that it is
 * world accessible). Needs root: wg-quick re-executes itself through sudo otherwise.
 */
export async function loadWgQuickFile(
  host: Host,
  confPath: string,
  ifname: string,
): Promise<LoadedInterface> {
  if (!IFNAME.test(ifname)) {
    throw new Error(
      `interface name ${JSON.stringify(ifname)} must match ${IFNAME} (wg-quick and Linux limits)`,
    );
  }
  if (process.getuid?.() !== 0) throw new Error("loadWgQuickFile needs root: wg-quick strip would ask sudo");
  const dir = await mkdtemp(join(tmpdir(), "hwt-wgquick-"));
  try {
    const conf = join(dir, `${ifname}.conf`);
    await copyFile(confPath, conf);
    const { stdout: stripped } = await run("wg-quick", ["strip", conf]);
    const strippedPath = join(dir, `${ifname}.stripped`);
    await writeFile(strippedPath, stripped, { mode: 0o600 });
    await startWireguardGo(host, ifname);
    await host.wg("setconf", ifname, strippedPath);
    const { stdout: dump } = await host.wg("show", ifname, "dump");
    return { ifname, stripped, ...parseDump(dump) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Reads the interface line (private key, public key, listen port, fwmark) and one line per
 * peer (public key first) of `wg show IF dump`. Deliberately minimal: the full parser belongs
 * to src/wgconf.
 */
export function parseDump(dump: string): Omit<LoadedInterface, "ifname" | "stripped"> {
  const [iface, ...peers] = dump.trim().split("\n");
  const listenPort = Number(iface?.split("\t")[2]);
  if (!Number.isInteger(listenPort))
    throw new Error(`wg show dump: no listen port in ${JSON.stringify(iface)}`);
  const peerPublicKeys = peers.map((line) => line.split("\t")[0] ?? "");
  return { listenPort, peerCount: peerPublicKeys.length, peerPublicKeys };
}
