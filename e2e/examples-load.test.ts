/**
 * Every interface `hubwire render` writes for the examples loads into real
 * WireGuard: `wg-quick strip` accepts the file, `wg setconf` applies it to a
 * wireguard-go device, the device reports exactly the peers and AllowedIPs the
 * file declares (WireGuard would silently move a prefix claimed twice), the
 * PostUp routes install, and each hub's nftables script loads — twice, since
 * re-applying must work.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, expect, it } from "vitest";
import { describeWith } from "../src/testing/prerequisites.js";
import { useLab } from "./harness/netns.js";
import { loadWgQuickFile } from "./wgquick-load.js";

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "..");
const CLI = join(ROOT, "bin", "hubwire.js");

const EXAMPLES: Record<string, string[]> = {
  corp: ["hub-fra", "hub-sgp", "branch-sha", "branch-ber", "branch-nyc", "edge-rig", "laptop-alice"],
  mesh: ["hub-1", "site-a", "site-b", "site-c", "site-d"],
};

/** Peers of a wg-quick file: public key → AllowedIPs, as declared. */
function declaredPeers(text: string): Map<string, string[]> {
  const peers = new Map<string, string[]>();
  for (const section of text.split("[Peer]").slice(1)) {
    const key = /^PublicKey = (.+)$/m.exec(section)![1]!;
    const allowed = /^AllowedIPs = (.+)$/m.exec(section)![1]!.split(", ");
    peers.set(key, allowed.sort());
  }
  return peers;
}

/** `wg show IF allowed-ips`: public key → prefixes. */
function livePeers(text: string): Map<string, string[]> {
  const peers = new Map<string, string[]>();
  for (const line of text.trim().split("\n")) {
    if (!line) continue;
    const [key, ...prefixes] = line.split(/\s+/);
    peers.set(key!, prefixes.filter((p) => p !== "(none)").sort());
  }
  return peers;
}

describeWith(
  ["root", "netns", "wireguard-go", "wg", "wg-quick", "ip", "nft"],
  "rendered examples in wireguard-go",
  () => {
    const lab = useLab();
    const dirs: string[] = [];
    afterAll(async () => {
      for (const d of dirs) await rm(d, { recursive: true, force: true });
    });

    for (const [example, nodes] of Object.entries(EXAMPLES)) {
      for (const node of nodes) {
        it(`${example}/${node}: every interface loads with its exact peers, routes and firewall`, async () => {
          const out = await mkdtemp(join(tmpdir(), `hwt-render-${node}-`));
          dirs.push(out);
          await run(process.execPath, [
            CLI,
            "render",
            join(ROOT, "examples", example),
            "--node",
            node,
            "--out",
            out,
          ]);
          const files = (await readdir(out)).sort();
          const confs = files.filter((f) => f.endsWith(".conf"));
          expect(confs.length).toBeGreaterThan(0);
          const host = await lab.addHost(node.slice(0, 10));
          for (const conf of confs) {
            const ifname = conf.slice(0, -".conf".length);
            const text = await readFile(join(out, conf), "utf8");
            const loaded = await loadWgQuickFile(host, join(out, conf), ifname);
            const declared = declaredPeers(text);
            expect(loaded.peerCount).toBe(declared.size);
            expect(livePeers((await host.wg("show", ifname, "allowed-ips")).stdout)).toEqual(declared);
            const port = /^ListenPort = (\d+)$/m.exec(text)?.[1];
            if (port) expect(loaded.listenPort).toBe(Number(port));
            // The PostUp route lines are real `ip route` commands on this interface.
            await host.ip("link", "set", ifname, "up");
            const routes = [...text.matchAll(/^PostUp = ip route add (\S+) dev %i metric (\d+)$/gm)];
            for (const [, prefix, metric] of routes) {
              await host.ip("route", "add", prefix!, "dev", ifname, "metric", metric!);
            }
            const table = `${(await host.ip("-4", "route", "show", "dev", ifname)).stdout}${(await host.ip("-6", "route", "show", "dev", ifname)).stdout}`;
            for (const [, prefix] of routes) expect(table).toContain(prefix!.replace(/\/(32|128)$/, ""));
          }
          if (files.includes("hubwire.nft")) {
            const script = join(out, "hubwire.nft");
            await host.nft(["-f", script]);
            await host.nft(["-f", script]);
            expect((await host.nft(["list", "table", "inet", "hubwire"])).stdout).toContain("chain forward");
          }
        });
      }
    }
  },
);
