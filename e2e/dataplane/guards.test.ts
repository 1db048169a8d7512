/**
 * The data plane's safety nets, end to end (issue 13), on the fabric of fabric.ts (real
 * controller, hub and spokes running `hubwire agent` with wireguard-go in namespaces):
 *
 * - key rotation with a grace period: spoke-a is killed after the controller took its new key but
 *   before it switched, and keeps its tunnel on the old key; then it is put where the agent would
 *   be had it died just after switching (key committed, interface on the new key, nothing
 *   reported), and the hub's report of the new key's handshake ends the grace; the restarted
 *   agent runs the new key;
 * - the blast-radius guard: restoring a backup taken before any spoke joined would remove every
 *   spoke from the hub; the hub keeps its peers (traffic flows), the hold is listed by
 *   `hubwire hold list`, audited and on /metrics, and `hubwire hold confirm` then delivers it.
 *
 * Steps run in order on one fabric; reads are retried until they settle, writes never are.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { rotateKey } from "../../src/agent/client/rotate-key.js";
import { openStateDir } from "../../src/agent/state-dir.js";
import { publicKeyFromPrivate } from "../../src/keys/wgkeys.js";
import { describeWith } from "../../src/testing/prerequisites.js";
import { run } from "../harness/exec.js";
import type { Host } from "../harness/netns.js";
import { CLI, eventually, type Fabric, LAN_B, pings, useFabric } from "./fabric.js";

interface NodeResource {
  spec: { tunnelAddress?: string; publicKey?: string };
  status?: { keyRotation?: { previousPublicKey: string } };
}

/** `publicKey → allowed IPs` of `iface` on `host` (`wg show IFACE allowed-ips`). */
async function allowedIps(host: Host, iface: string): Promise<Map<string, string>> {
  const out = (await host.wg("show", iface, "allowed-ips")).stdout.trim();
  return new Map(
    out
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => {
        const [key, ...ips] = l.split(/\s+/);
        return [key!, ips.join(" ")] as const;
      }),
  );
}

/** Pings `address` from `host` `times` times, a second apart; how many were answered. */
async function answered(host: Host, address: string, times: number): Promise<number> {
  let ok = 0;
  for (let i = 0; i < times; i++) {
    if (await pings(host, address)) ok++;
    await new Promise((r) => setTimeout(r, 1_000));
  }
  return ok;
}

describeWith(["root", "netns", "wireguard-go", "wg", "nft", "ip", "ping"], "data-plane safety nets", () => {
  let work = "";
  let backupFile = "";
  let apiToken = "";
  const setUp = useFabric({
    // The "old backup": the network and its hub, before any spoke joined. The API token the CLI
    // uses is made first, so it is in the backup and still works after the restore.
    beforeSpokes: async (api) => {
      apiToken = (
        await api.ok<{ token: string }>("POST", "/api/v1/tokens", { name: "e2e-cli", role: "admin" })
      ).token;
      const backup = await api.request("GET", "/api/v1/backup?format=jsonl");
      if (backup.status !== 200) throw new Error(`backup: ${backup.status} ${backup.text}`);
      backupFile = join(work, "old.backup");
      await writeFile(backupFile, backup.text);
    },
  });
  let f: Fabric;
  const addr: Record<string, string> = {};
  const cli = (...args: string[]) =>
    run(process.execPath, [CLI, ...args], {
      env: { HUBWIRE_CONTROLLER: f.api.base, HUBWIRE_TOKEN: apiToken, HUBWIRE_CA_FILE: f.caFile },
      timeoutMs: 30_000,
    });
  const node = (name: string) => f.api.ok<NodeResource>("GET", `/api/v1/nodes/${name}`);

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "hwt-guards-"));
    f = await setUp();
    await eventually("spoke-c pending", async () => {
      const list = await f.api.ok<{ items: { metadata: { name: string } }[] }>(
        "GET",
        "/api/v1/enrollments?state=Pending",
      );
      return list.items.some((e) => e.metadata.name === "spoke-c") ? true : undefined;
    });
    await f.api.ok("POST", "/api/v1/enrollments/spoke-c/approve", { reason: "e2e" });
    for (const name of ["hub", "spoke-a", "spoke-b", "spoke-c"]) {
      const n = await eventually(`${name} in intent with a key`, async () => {
        const r = await f.api.request("GET", `/api/v1/nodes/${name}`);
        return r.status === 200 && (r.body as NodeResource).spec.publicKey
          ? (r.body as NodeResource)
          : undefined;
      });
      addr[name] = n.spec.tunnelAddress!;
    }
    await eventually(
      "spoke-a → spoke-c through the hub",
      async () => ((await pings(f.hosts.sa, addr["spoke-c"]!)) ? true : undefined),
      60_000,
    );
    await eventually("spoke-a → LAN host behind spoke-b", async () =>
      (await pings(f.hosts.sa, LAN_B.host)) ? true : undefined,
    );
  }, 180_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("keeps the tunnel of a node killed mid-rotation, then ends the grace on its new key's handshake", async () => {
    const a = f.agents["spoke-a"];
    const oldKey = (await node("spoke-a")).spec.publicKey!;
    // The agent dies right after the controller accepted its new key, before switching to it:
    // exactly the first half of its rotation (pending key saved, controller told), then nothing.
    process.kill(a.proc.pid, "SIGKILL");
    await eventually("spoke-a's agent gone", async () => (a.proc.hasExited() ? true : undefined), 5_000);
    const dir = await openStateDir(a.stateDir);
    const session = await dir.readController();
    const newPrivate = await dir.pendingKey();
    const newKey = publicKeyFromPrivate(newPrivate);
    await rotateKey({
      urls: session!.urls,
      credential: (await dir.readCredential())!,
      node: "spoke-a",
      newPrivateKey: newPrivate,
      controllerKey: session!.controllerKey,
      caPem: session!.caPem,
    });
    expect((await node("spoke-a")).status?.keyRotation?.previousPublicKey).toBe(oldKey);
    // The hub has both keys: the old one with spoke-a's address, the new one with none.
    const both = await eventually("the hub has spoke-a's new key beside the old one", async () => {
      const peers = await allowedIps(f.hosts.hub, "hw_lab");
      return peers.has(newKey) ? peers : undefined;
    });
    expect(both.get(oldKey)).toContain(`${addr["spoke-a"]}/32`);
    expect(both.get(newKey)).toBe("(none)");
    // spoke-a still runs the old key, its agent is dead, and its traffic flows.
    const kept = await answered(f.hosts.sa, addr["spoke-c"]!, 10);
    process.stderr.write(
      `rotation grace: ${kept}/10 pings answered with spoke-a's agent dead on its old key\n`,
    );
    expect(kept).toBe(10);

    // Now as if it had died just after switching (the agent commits the key, then applies it),
    // before any report: its interface runs the new key and the controller was told nothing more.
    const identity = await dir.commitPendingKey();
    expect(identity.publicKey).toBe(newKey);
    const switchedAt = Date.now();
    await f.hosts.sa.wg("set", "hw_lab_hub", "private-key", identity.privateKeyFile);
    await eventually(
      "spoke-a → spoke-c on the new key, its agent still dead",
      async () => ((await pings(f.hosts.sa, addr["spoke-c"]!)) ? true : undefined),
      30_000,
      200,
    );
    process.stderr.write(
      `rotation grace: traffic back ${Date.now() - switchedAt} ms after the interface switched (hub's handshake report)\n`,
    );
    const after = await eventually("the old key gone from the hub", async () => {
      const peers = await allowedIps(f.hosts.hub, "hw_lab");
      return peers.has(oldKey) ? undefined : peers;
    });
    expect(after.get(newKey)).toContain(`${addr["spoke-a"]}/32`);
    expect((await node("spoke-a")).status?.keyRotation).toBeUndefined();
    const audit = await f.api.ok<{ items: Array<{ actor: string; after: { reason: string } }> }>(
      "GET",
      "/api/v1/audit?action=key-rotation-completed&name=spoke-a",
    );
    expect(audit.items.map((e) => [e.actor, e.after.reason])).toEqual([["agent:hub", "handshake"]]);

    // The restarted agent runs the new key and has nothing left to finish.
    await f.startAgent(a);
    await eventually("spoke-a's agent started on the new key", async () =>
      (await f.agentLog(a)).includes(`"publicKey":"${newKey}","msg":"agent starting"`) ? true : undefined,
    );
    expect((await node("spoke-a")).spec.publicKey).toBe(newKey);
    expect(await answered(f.hosts.sa, addr["spoke-c"]!, 3)).toBe(3);
  }, 120_000);

  it("holds the revision of a restored old backup: the spokes stay connected until an operator confirms", async () => {
    const hub = f.hosts.hub;
    const before = await allowedIps(hub, "hw_lab");
    expect(before.size).toBe(3);
    await cli("restore", backupFile);
    // The hub's next revision (no spokes) is held: listed, audited, on /metrics.
    const listed = await eventually("the hold listed", async () => {
      const out = (await cli("hold", "list")).stdout;
      return out.startsWith("hub ") ? out : undefined;
    });
    expect(listed).toContain("removes 3 of 3 peers (spoke-a, spoke-b, spoke-c)");
    const metrics = await f.hosts.ctl.run(process.execPath, [
      "-e",
      "fetch('http://127.0.0.1:7070/metrics').then((r) => r.text()).then((t) => process.stdout.write(t))",
    ]);
    expect(metrics.stdout).toContain('hubwire_delivery_held{node="hub"} 1');
    const held = await f.api.ok<{ items: unknown[] }>("GET", "/api/v1/audit?action=delivery-held&name=hub");
    expect(held.items).toHaveLength(1);
    // The spokes are not cut off: the hub keeps its peers and traffic flows, seconds later too.
    const ok = await answered(f.hosts.sa, addr["spoke-c"]!, 10);
    const lan = await answered(f.hosts.sa, LAN_B.host, 3);
    process.stderr.write(`blast-radius guard: ${ok}/10 and ${lan}/3 pings answered after the restore\n`);
    expect(ok).toBe(10);
    expect(lan).toBe(3);
    expect([...(await allowedIps(hub, "hw_lab")).keys()].sort()).toEqual([...before.keys()].sort());

    // An operator confirms: the hub gets the restored state and the spokes' peers go.
    const confirmed = await cli("hold", "confirm", "hub");
    expect(confirmed.stdout).toContain("3 peers will be removed");
    await eventually("the hub's spoke peers removed", async () =>
      (await allowedIps(hub, "hw_lab")).size === 0 ? true : undefined,
    );
    expect(await pings(f.hosts.sa, addr["spoke-c"]!)).toBe(false);
    expect((await cli("hold", "list")).stdout).toBe("no delivery is held\n");
  }, 120_000);
});
