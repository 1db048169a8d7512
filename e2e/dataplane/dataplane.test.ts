/**
 * hubwire as a network, end to end (issue 5): the real controller, one hub and three spokes each
 * running `hubwire agent` with real wireguard-go in its own network and mount namespace, all
 * enrolled with join tokens (spoke-c by manual approval), and a LAN host behind spoke-b.
 * The steps run in order on one fabric; reads are retried until they settle, writes never are.
 */
import { mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, expect, it } from "vitest";
import { describeWith } from "../../src/testing/prerequisites.js";
import { run } from "../harness/exec.js";
import type { Host } from "../harness/netns.js";
import {
  allowAll,
  eventually,
  type Fabric,
  LAN_B,
  pings,
  scrapeMetrics,
  stopProcess,
  useFabric,
} from "./fabric.js";

interface NodeResource {
  spec: { tunnelAddress?: string; publicKey?: string; subnets?: string[] };
}
interface PeerDump {
  publicKey: string;
  allowedIps: string;
  latestHandshake: number;
  rx: number;
  tx: number;
}
interface StatusView {
  node: string;
  online: boolean;
  rxBytes: number;
  txBytes: number;
  appliedRevision: string | null;
}

/** The peers of `iface` on `host`, from `wg show IFACE dump`. */
async function peersOf(host: Host, iface: string): Promise<PeerDump[]> {
  const lines = (await host.wg("show", iface, "dump")).stdout.trim().split("\n").slice(1);
  return lines
    .filter((l) => l.trim() !== "")
    .map((l) => {
      const [publicKey, , , allowedIps, hs, rx, tx] = l.split("\t");
      return {
        publicKey: publicKey!,
        allowedIps: allowedIps!,
        latestHandshake: Number(hs),
        rx: Number(rx),
        tx: Number(tx),
      };
    });
}

/** Everything hubwire installed on a host, to compare before and after a restart. */
async function installed(host: Host): Promise<string> {
  const links = (await host.ip("-o", "link", "show")).stdout
    .split("\n")
    .filter((l) => /: hw/.test(l))
    .map((l) => l.split(":")[1]!.trim());
  const addrs = (await host.ip("-o", "addr", "show")).stdout
    .split("\n")
    .filter((l) => / hw/.test(l))
    .map((l) => l.replace(/\s+valid_lft.*$/, "").replace(/^\d+:\s*/, ""));
  const routes = (await host.ip("route", "show", "proto", "157")).stdout.trim().split("\n");
  const nft = (await host.nft(["-s", "list", "ruleset"])).stdout;
  return JSON.stringify({ links, addrs, routes, nft }, null, 1);
}

describeWith(["root", "netns", "wireguard-go", "wg", "nft", "ip", "ping"], "data plane end to end", () => {
  const setUp = useFabric();
  let f: Fabric;
  const addr: Record<string, string> = {};
  const tunnel = (node: string) => addr[node]!;

  beforeAll(async () => {
    f = await setUp();
    // spoke-c's policy wants an operator: approve it once its request is pending.
    await eventually("spoke-c pending", async () => {
      const list = await f.api.ok<{ items: { metadata: { name: string } }[] }>(
        "GET",
        "/api/v1/enrollments?state=Pending",
      );
      return list.items.some((e) => e.metadata.name === "spoke-c") ? true : undefined;
    });
    await f.api.ok("POST", "/api/v1/enrollments/spoke-c/approve", { reason: "e2e" });
    for (const node of ["hub", "spoke-a", "spoke-b", "spoke-c"]) {
      const n = await eventually(`${node} in intent with a key`, async () => {
        const r = await f.api.request("GET", `/api/v1/nodes/${node}`);
        const res = r.body as NodeResource;
        return r.status === 200 && res.spec.publicKey ? res : undefined;
      });
      addr[node] = n.spec.tunnelAddress!;
    }
  }, 120_000);

  it("spoke-a reaches spoke-b's tunnel address and the LAN host behind spoke-b, through the hub", async () => {
    await eventually(
      "spoke-a → spoke-b",
      async () => ((await pings(f.hosts.sa, tunnel("spoke-b"))) ? true : undefined),
      60_000,
    );
    await eventually("spoke-a → LAN host behind spoke-b", async () =>
      (await pings(f.hosts.sa, LAN_B.host)) ? true : undefined,
    );
    await eventually("spoke-c (approved by an operator) → spoke-a", async () =>
      (await pings(f.hosts.sc, tunnel("spoke-a"))) ? true : undefined,
    );
    // Every pair uses its preshared key (the network asks for them): none is missing on the hub.
    const psks = (await f.hosts.hub.wg("show", "hw_lab", "preshared-keys")).stdout.trim().split("\n");
    expect(psks).toHaveLength(3);
    for (const line of psks) expect(line.split("\t")[1]).not.toBe("(none)");
    // Through the hub: spoke-a has no peer but the hub.
    const sa = (await f.hosts.sa.wg("show", "interfaces")).stdout.trim().split(/\s+/);
    expect(sa).toEqual(["hw_lab_hub"]);
  }, 90_000);

  it("shows every node online in the API and /metrics, with rx/tx that grow with traffic", async () => {
    const status = async () =>
      (await f.api.ok<{ items: StatusView[] }>("GET", "/api/v1/node-status?limit=100")).items;
    const before = await eventually("all online", async () => {
      const items = await status();
      return items.length === 4 && items.every((i) => i.online && i.appliedRevision) ? items : undefined;
    });
    for (let i = 0; i < 5; i++) await pings(f.hosts.sa, tunnel("spoke-b"));
    await eventually("rx/tx grew", async () => {
      const after = await status();
      const grew = (node: string) => {
        const a = after.find((s) => s.node === node)!;
        const b = before.find((s) => s.node === node)!;
        return a.rxBytes > b.rxBytes && a.txBytes > b.txBytes;
      };
      return grew("spoke-a") && grew("spoke-b") && grew("hub") ? true : undefined;
    });
    const metrics = await scrapeMetrics(f.hosts.ctl);
    expect(metrics).toMatch(/hubwire_node_online\{[^}]*node="spoke-a"[^}]*\} 1/);
    expect(metrics).toMatch(/hubwire_peer_receive_bytes_total\{[^}]*node="hub"[^}]*\} [1-9]/);
  }, 60_000);

  it("enforces an access policy on the hub and lifts it within one propagation", async () => {
    const deny = `
    - from: { nodes: [spoke-c] }
      to: { nodes: [spoke-a] }
      action: deny`;
    await f.api.ok("POST", "/api/v1/apply", allowAll(deny));
    await eventually("spoke-c → spoke-a denied", async () =>
      (await pings(f.hosts.sc, tunnel("spoke-a"))) ? undefined : true,
    );
    expect(await pings(f.hosts.sa, tunnel("spoke-b"))).toBe(true);
    expect(await pings(f.hosts.sc, tunnel("spoke-b"))).toBe(true);
    expect(await pings(f.hosts.sa, tunnel("spoke-c"))).toBe(true);

    const lifted = Date.now();
    await f.api.ok("POST", "/api/v1/apply", allowAll());
    await eventually(
      "spoke-c → spoke-a allowed again",
      async () => ((await pings(f.hosts.sc, tunnel("spoke-a"))) ? true : undefined),
      10_000,
    );
    process.stderr.write(`policy lifted: spoke-c → spoke-a passes after ${Date.now() - lifted} ms\n`);
  }, 60_000);

  it("changes one spoke's subnets without a new handshake for the other spokes", async () => {
    const hub = f.hosts.hub;
    const keyOf = async (node: string) =>
      (await f.api.ok<NodeResource>("GET", `/api/v1/nodes/${node}`)).spec.publicKey!;
    const [ka, kb, kc] = [await keyOf("spoke-a"), await keyOf("spoke-b"), await keyOf("spoke-c")];
    // A session older than ~100 s rekeys by itself at 120 s; start from fresh ones.
    await eventually(
      "fresh sessions",
      async () => {
        await pings(f.hosts.sa, tunnel("hub"));
        await pings(f.hosts.sc, tunnel("hub"));
        const now = Date.now() / 1000;
        const peers = await peersOf(hub, "hw_lab");
        return peers.filter((p) => p.publicKey !== kb).every((p) => now - p.latestHandshake < 90)
          ? true
          : undefined;
      },
      150_000,
      2_000,
    );
    const before = await peersOf(hub, "hw_lab");
    const node = await f.api.ok<Record<string, unknown> & NodeResource>("GET", "/api/v1/nodes/spoke-b");
    const changed = { ...node, spec: { ...node.spec, subnets: [LAN_B.subnet, "10.64.3.0/24"] } };
    delete (changed as { status?: unknown }).status;
    await f.api.ok("POST", "/api/v1/apply", { items: [changed] });
    await eventually("hub has spoke-b's new subnet", async () => {
      const peer = (await peersOf(hub, "hw_lab")).find((p) => p.publicKey === kb);
      return peer?.allowedIps.includes("10.64.3.0/24") ? true : undefined;
    });
    const after = await peersOf(hub, "hw_lab");
    for (const key of [ka, kc]) {
      const b = before.find((p) => p.publicKey === key)!;
      const a = after.find((p) => p.publicKey === key)!;
      expect(a.latestHandshake, `handshake of ${key}`).toBe(b.latestHandshake);
      expect(a.rx).toBeGreaterThanOrEqual(b.rx);
    }
    expect(await pings(f.hosts.sa, LAN_B.host)).toBe(true);
  }, 200_000);

  it("rotates the preshared-key secret: both ends of every pair take the new key, traffic goes on", async () => {
    /** `our public key|peer's public key → preshared key` over every interface of `host`. */
    const pairKeys = async (host: Host): Promise<Map<string, string>> => {
      const out = new Map<string, string>();
      const lines = (await host.wg("show", "all", "dump")).stdout.trim().split("\n");
      const own = new Map<string, string>();
      for (const l of lines) {
        const cols = l.split("\t");
        if (cols.length === 5)
          own.set(cols[0]!, cols[2]!); // iface, private, public, port, fwmark
        else out.set(`${own.get(cols[0]!)}|${cols[1]}`, cols[2]!);
      }
      return out;
    };
    const hosts = [f.hosts.hub, f.hosts.sa, f.hosts.sb, f.hosts.sc];
    const before = new Map<string, string>();
    for (const h of hosts) for (const [pair, psk] of await pairKeys(h)) before.set(pair, psk);
    expect([...before.values()].every((k) => k !== "(none)")).toBe(true);

    await f.api.ok("POST", "/api/v1/secrets/psk-secret/rotate", {});
    const rotated = Date.now();
    await eventually(
      "every pair on new, matching keys at both ends",
      async () => {
        const now = new Map<string, string>();
        for (const h of hosts) for (const [pair, psk] of await pairKeys(h)) now.set(pair, psk);
        for (const [pair, psk] of now) {
          const [mine, theirs] = pair.split("|");
          if (psk === before.get(pair) || now.get(`${theirs}|${mine}`) !== psk) return undefined;
        }
        return now.size === before.size ? true : undefined;
      },
      20_000,
    );
    process.stderr.write(`psk rotation: every pair switched after ${Date.now() - rotated} ms\n`);
    // The sessions stay up (WireGuard uses a new preshared key from the next handshake on).
    expect(await pings(f.hosts.sa, tunnel("spoke-b"))).toBe(true);
    expect(await pings(f.hosts.sa, LAN_B.host)).toBe(true);
  }, 60_000);

  it("restarts a kill -9'd agent without duplicating anything", async () => {
    const a = f.agents["spoke-a"];
    const before = await installed(f.hosts.sa);
    process.kill(a.proc.pid, "SIGKILL");
    await a.proc.exited;
    await f.startAgent(a);
    await eventually("restarted agent reports", async () => {
      const log = await f.agentLog(a);
      return log.split("\n").filter((l) => l.includes("agent starting")).length >= 2 &&
        /re-applying the last applied state[\s\S]*no changes/.test(
          log.slice(log.lastIndexOf("agent starting")),
        )
        ? true
        : undefined;
    });
    expect(await installed(f.hosts.sa)).toBe(before);
    expect(await pings(f.hosts.sa, tunnel("spoke-b"))).toBe(true);
  }, 60_000);

  it("reports an apply it cannot make (no wireguard-go) to the controller and changes nothing", async () => {
    const c = f.agents["spoke-c"];
    await stopProcess(c.proc);
    await f.hosts.sc.ip("link", "del", "hw_lab_hub");
    const before = await installed(f.hosts.sc);
    // The tools the agent (and the harness entering its host) needs, but no wireguard-go.
    const bin = await mkdtemp(join(tmpdir(), "hwt-nowggo-"));
    for (const tool of ["wg", "ip", "nft", "sysctl", "nsenter", "setpriv"]) {
      const found = (await run("which", [tool])).stdout.trim();
      await symlink(found, join(bin, tool));
    }
    try {
      c.proc = await c.host.start(process.execPath, c.args, { env: { PATH: bin }, logFile: c.logFile });
      const status = await eventually("spoke-c reports the apply error", async () => {
        const s = await f.api.ok<StatusView & { applyError: string | null }>(
          "GET",
          "/api/v1/node-status/spoke-c",
        );
        return s.applyError ? s : undefined;
      });
      expect(status.applyError).toMatch(/wireguard-go/);
      expect(await installed(f.hosts.sc)).toBe(before);
      await stopProcess(c.proc);
    } finally {
      await rm(bin, { recursive: true, force: true });
    }
    await f.startAgent(c);
    await eventually("spoke-c back", async () =>
      (await pings(f.hosts.sc, tunnel("spoke-a"))) ? true : undefined,
    );
    // Traffic flows once the peer is up, before the rest of that apply (routes, saved state) is
    // done: wait until spoke-c reports the revision applied, so no apply spills into the next test.
    await eventually("spoke-c has applied its desired revision", async () => {
      const s = await f.api.ok<StatusView & { desiredRevision: string | null; applyError: string | null }>(
        "GET",
        "/api/v1/node-status/spoke-c",
      );
      return s.appliedRevision !== null && s.appliedRevision === s.desiredRevision && !s.applyError
        ? true
        : undefined;
    });
  }, 60_000);

  it("keeps traffic flowing for 60 s without the controller, then reconnects and re-applies nothing", async () => {
    const marks = new Map<string, number>();
    for (const a of Object.values(f.agents)) marks.set(a.node, (await f.agentLog(a)).length);
    await stopProcess(f.controller);
    // HUBWIRE_E2E_OUTAGE_S shortens the outage for quick local runs; the issue asks for 60 s.
    const outage = Number(process.env.HUBWIRE_E2E_OUTAGE_S ?? 60);
    const until = Date.now() + outage * 1000;
    let checks = 0;
    while (Date.now() < until) {
      expect(await pings(f.hosts.sa, tunnel("spoke-b")), "spoke-a → spoke-b without controller").toBe(true);
      expect(await pings(f.hosts.sc, LAN_B.host), "spoke-c → LAN host without controller").toBe(true);
      checks++;
      await new Promise((r) => setTimeout(r, 5_000));
    }
    expect(checks).toBeGreaterThanOrEqual(Math.floor(outage / 6));
    await f.startController();
    await eventually(
      "every agent reports to the restarted controller",
      async () => {
        const items = (await f.api.ok<{ items: StatusView[] }>("GET", "/api/v1/node-status?limit=100")).items;
        return items.length === 4 && items.every((i) => i.online) ? true : undefined;
      },
      60_000,
      1_000,
    );
    await eventually(
      "every agent long-polls the restarted controller",
      async () => {
        const m = await scrapeMetrics(f.hosts.ctl);
        return /^hubwire_agent_long_polls(\{[^}]*\})? 4$/m.test(m) ? true : undefined;
      },
      15_000,
      500,
    );
    // Logs since the controller went away: retries, but no apply with changes.
    for (const a of Object.values(f.agents)) {
      const since = (await f.agentLog(a)).slice(marks.get(a.node));
      expect(since, `${a.node} log while the controller was away`).toMatch(
        /controller unreachable|status report failed/,
      );
      expect(since, `${a.node} re-applied something`).not.toMatch(/"msg":"applied"/);
    }
  }, 180_000);

  it("revokes spoke-b within 5 s and rotates spoke-a's key with traffic back within 10 s", async () => {
    const hub = f.hosts.hub;
    const kb = (await f.api.ok<NodeResource>("GET", "/api/v1/nodes/spoke-b")).spec.publicKey!;
    const revokedAt = Date.now();
    await f.api.ok("POST", "/api/v1/nodes/spoke-b/revoke", { reason: "e2e" });
    await eventually(
      "spoke-b's peer gone from the hub",
      async () => ((await peersOf(hub, "hw_lab")).some((p) => p.publicKey === kb) ? undefined : true),
      5_000,
      100,
    );
    expect(await pings(f.hosts.sa, tunnel("spoke-b"))).toBe(false);
    process.stderr.write(`revocation: spoke-b's peer left the hub after ${Date.now() - revokedAt} ms\n`);

    const oldKey = (await f.api.ok<NodeResource>("GET", "/api/v1/nodes/spoke-a")).spec.publicKey!;
    const rotatedAt = Date.now();
    process.kill(f.agents["spoke-a"].proc.pid, "SIGHUP");
    await eventually(
      "spoke-a → spoke-c with the new key",
      async () => {
        const key = (await f.api.ok<NodeResource>("GET", "/api/v1/nodes/spoke-a")).spec.publicKey!;
        return key !== oldKey && (await pings(f.hosts.sa, tunnel("spoke-c"))) ? true : undefined;
      },
      10_000,
      200,
    );
    process.stderr.write(`rotation: traffic back after ${Date.now() - rotatedAt} ms\n`);
    // The hub keeps the old key beside the new one until a report shows the new one in use
    // (spoke-a's applied key, or the hub's handshake from it): that is one report away.
    await eventually(
      "the hub drops spoke-a's old key",
      async () => ((await peersOf(hub, "hw_lab")).some((p) => p.publicKey === oldKey) ? undefined : true),
      5_000,
      100,
    );
  }, 60_000);
});
