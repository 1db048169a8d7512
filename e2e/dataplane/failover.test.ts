/**
 * Several hubs, end to end (issue 10): the real controller, two hubs and three spokes, each
 * running `hubwire agent` with real wireguard-go in its own namespaces. spoke-a and spoke-c
 * prefer hub-1, spoke-b (with a LAN behind it) prefers hub-2, so spokes on different hubs reach
 * each other over the hubs' link. Then hub-1 is lost abruptly — its agent killed with -9 and its
 * underlay down, with the controller stopped too — and the spokes' own probes move their routes
 * to hub-2; pings every 0.2 s measure the outage. The steps run in order on one fabric.
 */
import { join } from "node:path";
import { beforeAll, expect, it } from "vitest";
import { describeWith } from "../../src/testing/prerequisites.js";
import type { Host } from "../harness/netns.js";
import { eventually, LAN_B, pings, stopProcess } from "./fabric.js";
import {
  loseHub1,
  type MultiHub,
  NODES,
  type NodeName,
  PingRecorder,
  restoreHub1,
  useMultiHub,
} from "./multihub.js";

/** Timers the agents run with: probes every second, down after 3 misses, back after 10 s. */
const HOLD_DOWN_S = 10;

describeWith(["root", "netns", "wireguard-go", "wg", "nft", "ip", "ping"], "several hubs: failover", () => {
  const setUp = useMultiHub(["--hold-down", String(HOLD_DOWN_S)]);
  let f: MultiHub;
  let hosts: MultiHub["hosts"];
  let addr: MultiHub["addr"];
  const status = (node: NodeName) => f.status(node);
  const moves = (node: NodeName) => f.moves(node);
  const movesAt = (node: NodeName) => f.movesAt(node);
  const deviceTo = (host: Host, address: string) => f.deviceTo(host, address);

  beforeAll(async () => {
    f = await setUp();
    ({ hosts, addr } = f);
  }, 180_000);

  it("spokes on different primary hubs reach each other and the LAN behind spoke-b", async () => {
    await eventually(
      "spoke-a → spoke-c (both on hub-1)",
      async () => ((await pings(hosts.sa, addr["spoke-c"])) ? true : undefined),
      60_000,
    );
    await eventually("spoke-a → spoke-b (on hub-2)", async () =>
      (await pings(hosts.sa, addr["spoke-b"])) ? true : undefined,
    );
    await eventually("spoke-a → LAN host behind spoke-b", async () =>
      (await pings(hosts.sa, LAN_B.host)) ? true : undefined,
    );
    await eventually("spoke-b → spoke-c", async () =>
      (await pings(hosts.sb, addr["spoke-c"])) ? true : undefined,
    );
    // Each spoke routes through its preferred hub; spoke-b's traffic to spoke-a crosses the hubs' link.
    expect(await deviceTo(hosts.sa, addr["spoke-b"])).toBe("hw_lab_hub-1");
    expect(await deviceTo(hosts.sb, addr["spoke-a"])).toBe("hw_lab_hub-2");
    expect(await deviceTo(hosts.hub2, addr["spoke-a"])).toBe("hw_lab_hub-1");
  }, 120_000);

  it("shows each spoke's hub and link health in node status and /metrics, and each hub's spokes", async () => {
    const a = await eventually("spoke-a's links reported up with a round trip", async () => {
      const s = await status("spoke-a");
      return s.activeHub === "hub-1" &&
        s.links.length === 2 &&
        s.links.every((l) => l.state === "up" && l.rttMs !== null)
        ? s
        : undefined;
    });
    expect(a.links.map((l) => [l.interface, l.remote])).toEqual([
      ["hw_lab_hub-1", "hub-1"],
      ["hw_lab_hub-2", "hub-2"],
    ]);
    expect((await status("spoke-b")).activeHub).toBe("hub-2");
    expect((await status("hub-1")).attachedSpokes).toBe(2);
    expect((await status("hub-2")).attachedSpokes).toBe(1);
    const hubLink = await eventually("hub-2's link to hub-1 reported", async () => {
      const s = await status("hub-2");
      return s.links.find((l) => l.remote === "hub-1" && l.rttMs !== null);
    });
    expect(hubLink.state).toBe("up");
    const metrics = await eventually("link metrics exported", async () => {
      const text = await f.scrape();
      return text.includes('hubwire_hub_spokes{hub="hub-1",network="lab"} 2') ? text : undefined;
    });
    expect(metrics).toMatch(/hubwire_link_up\{node="spoke-a",interface="hw_lab_hub-1",remote="hub-1"\} 1/);
    expect(metrics).toMatch(
      /hubwire_link_probe_rtt_seconds\{node="spoke-a",interface="hw_lab_hub-2",remote="hub-2"\} [\d.e-]+/,
    );
    expect(metrics).toMatch(
      /hubwire_link_probe_loss_ratio\{node="hub-2",interface="hw_lab_hub-1",remote="hub-1"\} /,
    );
    expect(metrics).toMatch(/hubwire_failovers_total\{node="spoke-a",network="lab",role="spoke"\} 0/);
  }, 60_000);

  it("loses hub-1 abruptly with the controller stopped: spokes move to hub-2 within 5 s, on their own", async () => {
    const toC = await PingRecorder.start(hosts.sa, addr["spoke-c"], join(f.work, "ping-a-c.log"));
    const toB = await PingRecorder.start(hosts.sa, addr["spoke-b"], join(f.work, "ping-a-b.log"));
    await new Promise((r) => setTimeout(r, 3_000));
    await stopProcess(f.controller);
    const lostAt = await loseHub1(f);
    const gapC = await eventually("spoke-a → spoke-c flowing again", () => toC.gapAfter(lostAt), 30_000, 500);
    const gapB = await eventually("spoke-a → spoke-b flowing again", () => toB.gapAfter(lostAt), 30_000, 500);
    await toC.stop();
    await toB.stop();
    process.stdout.write(
      `failover e2e: hub-1 lost; longest gap in 0.2 s pings: spoke-a→spoke-c ${(gapC / 1000).toFixed(2)} s, ` +
        `spoke-a→spoke-b ${(gapB / 1000).toFixed(2)} s\n`,
    );
    expect(gapC).toBeLessThan(5_000);
    expect(gapB).toBeLessThan(5_000);
    expect(await deviceTo(hosts.sa, addr["spoke-c"])).toBe("hw_lab_hub-2");
    // One move each (logged with the link change that caused it); spoke-b's traffic stayed on
    // hub-2 all along, so losing its backup link moved nothing.
    expect(await moves("spoke-a")).toHaveLength(1);
    expect(await moves("spoke-c")).toHaveLength(1);
    expect(await moves("hub-2")).toEqual(["hw_lab_hub-1 down"]);
    expect(await moves("spoke-b")).toEqual([]);
  }, 90_000);

  it("brings hub-1 back: traffic keeps flowing, routes return after the hold-down, one move each way", async () => {
    const toC = await PingRecorder.start(hosts.sa, addr["spoke-c"], join(f.work, "ping-a-c-back.log"));
    await new Promise((r) => setTimeout(r, 2_000));
    const backAt = await restoreHub1(f);
    await eventually(
      "spoke-a routes via hub-1 again",
      async () => ((await deviceTo(hosts.sa, addr["spoke-c"])) === "hw_lab_hub-1" ? true : undefined),
      60_000,
      500,
    );
    const returnedAfter = Date.now() - backAt;
    await new Promise((r) => setTimeout(r, 3_000));
    const gap = await eventually("pings kept flowing", () => toC.gapAfter(backAt), 10_000, 500);
    await toC.stop();
    process.stdout.write(
      `failover e2e: hub-1 back; routes returned after ${(returnedAfter / 1000).toFixed(1)} s ` +
        `(hold-down ${HOLD_DOWN_S} s); longest gap in pings ${(gap / 1000).toFixed(2)} s\n`,
    );
    expect(returnedAfter).toBeGreaterThanOrEqual(HOLD_DOWN_S * 1000);
    expect(gap).toBeLessThan(1_000);
    expect((await moves("spoke-a"))[1]).toBe("hw_lab_hub-1 up");
    expect(await moves("spoke-a")).toHaveLength(2);
    expect(await moves("spoke-c")).toHaveLength(2);
    expect(await moves("spoke-b")).toEqual([]);
  }, 90_000);

  it("with the controller back, agents report their moves and the hubs learn where each spoke is", async () => {
    await f.startController();
    await eventually(
      "every node reports again",
      async () => {
        const views = await Promise.all(NODES.map(status));
        return views.every((v) => v.online && v.appliedRevision === v.desiredRevision) ? views : undefined;
      },
      60_000,
    );
    const a = await status("spoke-a");
    expect(a.activeHub).toBe("hub-1");
    expect(a.failovers).toBe(2);
    expect((await status("hub-1")).attachedSpokes).toBe(2);
    await eventually("spoke-b → spoke-a", async () =>
      (await pings(hosts.sb, addr["spoke-a"])) ? true : undefined,
    );
  }, 90_000);

  it("a lossy primary link (30% of hub-1's packets dropped) moves spoke-a at most once per hold-down", async () => {
    const before = (await movesAt("spoke-a")).length;
    // No sch_netem in this kernel: nftables drops 30% of what hub-1 sends at random instead.
    await hosts.hub1.nft(["-f", "-"], {
      input:
        "table inet lossy {\n  chain out {\n    type filter hook output priority 0; policy accept;\n" +
        '    oifname "eth0" numgen random mod 100 < 30 drop\n  }\n}\n',
    });
    const window = 40_000;
    const started = Date.now();
    await new Promise((r) => setTimeout(r, window));
    await hosts.hub1.nft(["delete", "table", "inet", "lossy"]);
    const during = (await movesAt("spoke-a")).slice(before);
    process.stdout.write(
      `failover e2e: 30% loss on hub-1 for ${window / 1000} s: spoke-a moved ${during.length} time(s): ` +
        `${during.map((m) => `${m.move} at +${((m.at - started) / 1000).toFixed(1)} s`).join(", ") || "none"}\n`,
    );
    // A move back needs a whole hold-down of answered probes: two moves the same way are always
    // more than a hold-down apart, so the link never flaps faster than that.
    for (let i = 2; i < during.length; i++)
      expect(during[i]!.at - during[i - 2]!.at).toBeGreaterThan(HOLD_DOWN_S * 1000);
    expect(during.length).toBeLessThanOrEqual(2 * (1 + Math.floor(window / (HOLD_DOWN_S * 1000))));
    await eventually("spoke-a → spoke-b after the loss ends", async () =>
      (await pings(hosts.sa, addr["spoke-b"])) ? true : undefined,
    );
  }, 90_000);
});
