/**
 * A shared underlay for multi-host scenarios: one Ethernet segment (a bridge inside its own
 * host) with a veth from each attached host, like an internet exchange where every site has a
 * public address. Optionally the test process's own namespace is attached too, so the test
 * talks to a controller running in a test host over the underlay, as an operator would.
 *
 * The segment is a /24 of 198.18.0.0/15 (RFC 2544 benchmarking space) chosen from the PID, so
 * parallel test files rarely meet in the root namespace's routing table; `.254` is the root end.
 */
import { randomBytes } from "node:crypto";
import { run } from "./exec.js";
import type { Host, Lab } from "./netns.js";

export class Underlay {
  private next = 1;
  private readonly bridge = "br0";

  private constructor(
    readonly host: Host,
    /** The first three octets, e.g. `198.18.42`. */
    readonly net: string,
  ) {}

  /** Makes the underlay host with its bridge. */
  static async create(lab: Lab, name = "ul"): Promise<Underlay> {
    const host = await lab.addHost(name);
    const net = `198.18.${process.pid % 256}`;
    const u = new Underlay(host, net);
    await host.ip("link", "add", u.bridge, "type", "bridge");
    await host.ip("link", "set", u.bridge, "up");
    return u;
  }

  /** Attaches `host` with the next free address; returns the address (without prefix length). */
  async attach(host: Host, ifname = "eth0"): Promise<string> {
    const address = `${this.net}.${this.next++}`;
    const port = `p-${host.name}`.slice(0, 15);
    await run("ip", [
      ...["link", "add", ifname, "netns", host.netns, "type", "veth"],
      ...["peer", "name", port, "netns", this.host.netns],
    ]);
    await this.host.ip("link", "set", port, "master", this.bridge);
    await this.host.ip("link", "set", port, "up");
    await host.ip("addr", "add", `${address}/24`, "dev", ifname);
    await host.ip("link", "set", ifname, "up");
    return address;
  }

  /**
   * Attaches the test's own network namespace at `.254`. The veth goes away with the underlay
   * host's namespace, so the lab's cleanup removes it.
   */
  async attachRoot(): Promise<string> {
    const ifname = `hwu${randomBytes(4).toString("hex")}`;
    const port = `p-root${ifname.slice(3, 9)}`;
    await run("ip", ["link", "add", ifname, "type", "veth", "peer", "name", port, "netns", this.host.netns]);
    await this.host.ip("link", "set", port, "master", this.bridge);
    await this.host.ip("link", "set", port, "up");
    const address = `${this.net}.254`;
    await run("ip", ["addr", "add", `${address}/24`, "dev", ifname]);
    await run("ip", ["link", "set", ifname, "up"]);
    return address;
  }
}
