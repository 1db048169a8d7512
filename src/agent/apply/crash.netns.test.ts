/**
 * `kill -9` in the middle of an apply, then a restart: the real entry point
 * (`dist/agent/apply/main.js`, so this needs `npm run build`, which `npm test` runs first)
 * applying a hub with 300 peers inside a network-namespace host, killed once some peers are
 * in. The next run must finish the job without a second interface, address, route, nftables
 * table or wireguard-go daemon, and a third run must find nothing to do.
 */
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { stopProcess } from "../../../e2e/harness/exec.js";
import { type Host, useLab } from "../../../e2e/harness/netns.js";
import { generatePrivateKey, publicKeyFromPrivate } from "../../keys/wgkeys.js";
import type { DesiredState, PeerConfig } from "../../model/index.js";
import { describeWith } from "../../testing/prerequisites.js";
import { localRunner } from "../exec.js";
import { compileLab, hubwireRouteLines, killDaemons, labNode, removeDirs } from "../testing/lab-topology.js";
import { WgCliBackend } from "../wg/cli-backend.js";

const MAIN = join(import.meta.dirname, "../../../dist/agent/apply/main.js");
const EXTRA = 2000;

/** The lab hub's state plus `EXTRA` synthetic spokes, each a peer and a route. */
function bigHub(base: DesiredState): DesiredState {
  const iface = base.interfaces[0]!;
  const peers: PeerConfig[] = [];
  for (let i = 0; i < EXTRA; i++) {
    const addr = `10.78.${i >> 8}.${i & 255}/32`;
    peers.push({ name: `x${i}`, publicKey: publicKeyFromPrivate(generatePrivateKey()), allowedIPs: [addr] });
  }
  return {
    ...base,
    revision: "big",
    interfaces: [
      {
        ...iface,
        peers: [...iface.peers, ...peers],
        routes: [...iface.routes, ...peers.map((p) => ({ prefix: p.allowedIPs[0]!, metric: 100 }))],
      },
    ],
  };
}

describeWith(
  ["root", "netns", "wireguard-go", "wg", "ip", "nft"],
  "apply killed with kill -9 and restarted",
  () => {
    const lab = useLab();
    const dirs: string[] = [];
    let host: Host | undefined;
    afterAll(async () => {
      if (host) await killDaemons(host);
      await removeDirs(dirs);
    });

    it("finishes on restart without duplicating anything", async () => {
      expect(existsSync(MAIN), `${MAIN} missing: run npm run build`).toBe(true);
      host = await lab.addHost("ag-crash");
      const node = await labNode("crash", host, dirs);
      const k = () => publicKeyFromPrivate(generatePrivateKey());
      const base = compileLab({ hubKey: node.id.publicKey, saKey: k(), sbKey: k() }).get("hub")!;
      const desired = bigHub(base);
      const file = join(dirs[0]!, "desired.json");
      await writeFile(file, JSON.stringify(desired));
      const backend = new WgCliBackend(node.runner, { kernel: false });
      const peerCount = async () => (await backend.show("hw_lab"))?.peers.length ?? 0;

      const first = await host.start(process.execPath, [MAIN, node.dir.path, file]);
      // Killed as soon as its interface appears: keys, addresses, peers and routes still to come.
      for (let i = 0; i < 4000 && !first.hasExited(); i++) {
        if ((await backend.listDevices().catch((): string[] => [])).includes("hw_lab")) break;
        await new Promise((r) => setTimeout(r, 2));
      }
      process.kill(first.pid, "SIGKILL");
      expect((await first.exited).signal).toBe("SIGKILL");
      const total = desired.interfaces[0]!.peers.length;
      const routeCount = async () => (await hubwireRouteLines(node.runner)).length;
      // Really killed mid-way: the device is there, the job is not done.
      expect(await backend.listDevices()).toEqual(["hw_lab"]);
      expect((await peerCount()) < total || (await routeCount()) < desired.interfaces[0]!.routes.length).toBe(
        true,
      );
      expect(await node.dir.readLastApplied()).toBeUndefined();

      const second = await host.start(process.execPath, [MAIN, node.dir.path, file]);
      const r2 = await second.exited;
      expect(r2.code, second.outputTail()).toBe(0);

      const third = await host.start(process.execPath, [MAIN, node.dir.path, file]);
      expect((await third.exited).code).toBe(0);
      expect(third.outputTail()).toContain("no changes");
      await stopProcess(third);

      expect(await backend.listDevices()).toEqual(["hw_lab"]);
      expect(await peerCount()).toBe(total);
      const addrs = JSON.parse(
        (await node.runner.run("ip", ["-j", "addr", "show", "dev", "hw_lab"])).stdout,
      )[0].addr_info as { local: string; scope: string }[];
      expect(addrs.filter((a) => a.scope !== "link").map((a) => a.local)).toEqual(
        desired.interfaces[0]!.addresses.map((a) => a.split("/")[0]),
      );
      const routes = await hubwireRouteLines(node.runner);
      expect(new Set(routes).size).toBe(routes.length);
      expect(routes).toHaveLength(desired.interfaces[0]!.routes.length);
      expect((await node.runner.run("nft", ["list", "tables"])).stdout.match(/inet hubwire/g)).toHaveLength(
        1,
      );
      // One daemon in this host's namespace: the restart did not start a second wireguard-go.
      const pids = (await localRunner().run("ip", ["netns", "pids", host.netns])).stdout
        .split(/\s+/)
        .filter(Boolean);
      const comms = await Promise.all(pids.map((p) => readFile(`/proc/${p}/comm`, "utf8").catch(() => "")));
      expect(comms.filter((c) => c.trim() === "wireguard-go")).toHaveLength(1);
      expect((await node.dir.readLastApplied())?.revision).toBe("big");
    }, 120_000);
  },
);
