/**
 * Hub hardening end to end: the hub's input filter (Node spec.inputPolicy, compiled into the
 * hub's `inet hubwire` table) on the real fabric — controller, hub and spokes running
 * `hubwire agent` with wireguard-go in their own namespaces. A TCP service on the hub is reached
 * from a spoke only on allowed ports (over the tunnel and over the underlay); WireGuard, the
 * failover probes' ICMP echo and forwarding through the hub keep working; the allow list and the
 * opt-out take effect with the next revision. Reads are retried until they settle; a refused
 * connection attempt is one attempt that must time out (dropped), not be reset (nothing listening).
 */
import { beforeAll, expect, it } from "vitest";
import { describeWith } from "../../src/testing/prerequisites.js";
import type { Host } from "../harness/netns.js";
import { eventually, type Fabric, pings, useFabric } from "./fabric.js";

/** A TCP server on every address of the host, answering "hi". */
const SERVER = `require("node:net").createServer((s) => s.end("hi")).listen(Number(process.argv[1]), "0.0.0.0")`;

/** Connects to argv host:port; prints `open`, `timeout` (no answer in 2 s) or the error code. */
const CLIENT = `const s = require("node:net").connect(Number(process.argv[2]), process.argv[1]);
s.setTimeout(2000, () => { console.log("timeout"); process.exit(0); });
s.on("data", () => { console.log("open"); process.exit(0); });
s.on("error", (e) => { console.log(e.code); process.exit(0); });`;

async function tcp(from: Host, address: string, port: number): Promise<string> {
  return (
    await from.run(process.execPath, ["-e", CLIENT, address, String(port)], { timeoutMs: 10_000 })
  ).stdout.trim();
}

describeWith(
  ["root", "netns", "wireguard-go", "wg", "nft", "ip", "ping"],
  "hub input policy end to end",
  () => {
    const setUp = useFabric();
    let f: Fabric;
    let hubTunnel: string;
    let spokeB: string;

    /** Waits until the hub's table shows `present` and lacks `absent` (the hub applied the revision). */
    const hubTable = (what: string, check: (table: string) => boolean) =>
      eventually(
        what,
        async () => {
          const table = (await f.hosts.hub.nft(["list", "table", "inet", "hubwire"])).stdout;
          return check(table) ? true : undefined;
        },
        60_000,
      );

    beforeAll(async () => {
      f = await setUp();
      const addressOf = async (node: string) =>
        eventually(`${node} has a key`, async () => {
          const r = await f.api.request("GET", `/api/v1/nodes/${node}`);
          const spec = (r.body as { spec?: { tunnelAddress?: string; publicKey?: string } }).spec;
          return r.status === 200 && spec?.publicKey ? spec.tunnelAddress : undefined;
        });
      hubTunnel = (await addressOf("hub"))!;
      spokeB = (await addressOf("spoke-b"))!;
      for (const port of [22, 8443]) await f.hosts.hub.start(process.execPath, ["-e", SERVER, String(port)]);
      await hubTable("the hub's input chain", (t) => t.includes("hook input"));
      await eventually(
        "spoke-a → spoke-b through the hub",
        async () => ((await pings(f.hosts.sa, spokeB)) ? true : undefined),
        60_000,
      );
    }, 150_000);

    it("by default lets in WireGuard, ICMP echo and SSH, and drops other ports", async () => {
      // The service runs: the hub reaches itself (loopback is let in).
      expect(await tcp(f.hosts.hub, "127.0.0.1", 8443)).toBe("open");
      expect(await tcp(f.hosts.hub, hubTunnel, 8443)).toBe("open");
      // ICMP echo to the hub's tunnel address (what failover probes send) and through it.
      expect(await pings(f.hosts.sa, hubTunnel)).toBe(true);
      expect(await pings(f.hosts.sa, spokeB)).toBe(true);
      await eventually("spoke-a → hub tcp/22 over the tunnel", async () =>
        (await tcp(f.hosts.sa, hubTunnel, 22)) === "open" ? true : undefined,
      );
      expect(await tcp(f.hosts.sa, hubTunnel, 8443)).toBe("timeout");
      expect(await tcp(f.hosts.sa, f.addresses.hub!, 8443)).toBe("timeout");
      expect(await tcp(f.hosts.sa, f.addresses.hub!, 22)).toBe("open");
    }, 60_000);

    it("lets in exactly the operator's list once the hub applied it", async () => {
      await f.api.ok("PATCH", "/api/v1/nodes/hub", { spec: { inputPolicy: { allow: ["tcp/8443"] } } });
      await hubTable(
        "tcp/8443 allowed, SSH not",
        (t) => /tcp dport 8443 accept/.test(t) && !/dport 22 /.test(t),
      );
      await eventually("spoke-a → hub tcp/8443", async () =>
        (await tcp(f.hosts.sa, hubTunnel, 8443)) === "open" ? true : undefined,
      );
      expect(await tcp(f.hosts.sa, hubTunnel, 22)).toBe("timeout");
      expect(await tcp(f.hosts.sa, f.addresses.hub!, 22)).toBe("timeout");
      // The tunnels themselves are untouched: new traffic still crosses the hub.
      expect(await pings(f.hosts.sa, hubTunnel)).toBe(true);
      expect(await pings(f.hosts.sa, spokeB)).toBe(true);
    }, 90_000);

    it("drops the input filter when the node opts out", async () => {
      await f.api.ok("PATCH", "/api/v1/nodes/hub", { spec: { inputPolicy: { enforce: false } } });
      await hubTable("no input chain", (t) => !t.includes("hook input") && t.includes("hook forward"));
      await eventually("spoke-a → hub tcp/22 again", async () =>
        (await tcp(f.hosts.sa, hubTunnel, 22)) === "open" ? true : undefined,
      );
      expect(await tcp(f.hosts.sa, f.addresses.hub!, 8443)).toBe("open");
    }, 90_000);
  },
);
