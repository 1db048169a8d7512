import { describe, expect, it } from "vitest";
import type { DesiredState } from "../../model/index.js";
import { peerNamed, twoHubSpoke } from "../testing/two-hub-spoke.js";
import { activeHub, PROBE_METRIC, routedState } from "./routes.js";

const spoke = twoHubSpoke;
const peer = peerNamed;
const routesOf = (s: DesiredState, iface: string) =>
  s.interfaces.find((i) => i.name === iface)!.routes.map((r) => `${r.prefix}@${r.metric}`);

describe("routedState", () => {
  it("with every link up installs every path, plus each link's probe address pinned to it", () => {
    const s = routedState(spoke, new Set());
    expect(routesOf(s, "hw_lab_hub-1")).toEqual([
      `10.100.0.1/32@${PROBE_METRIC}`,
      "10.64.2.0/24@100",
      "10.100.0.1/32@100",
      "10.100.0.2/32@100",
    ]);
    expect(routesOf(s, "hw_lab_hub-2")[0]).toBe(`10.100.0.2/32@${PROBE_METRIC}`);
    expect(activeHub(spoke, new Set())).toBe("hub-1");
  });

  it("withdraws a down link's routes that another link carries, keeping its probe pinned", () => {
    const s = routedState(spoke, new Set(["hw_lab_hub-1"]));
    expect(routesOf(s, "hw_lab_hub-1")).toEqual([`10.100.0.1/32@${PROBE_METRIC}`]);
    expect(routesOf(s, "hw_lab_hub-2")).toHaveLength(4);
    expect(activeHub(spoke, new Set(["hw_lab_hub-1"]))).toBe("hub-2");
  });

  it("keeps every route when every link is down: nothing better exists, and nothing leaks to the underlay", () => {
    const down = new Set(["hw_lab_hub-1", "hw_lab_hub-2"]);
    const s = routedState(spoke, down);
    expect(routesOf(s, "hw_lab_hub-1")).toHaveLength(4);
    expect(routesOf(s, "hw_lab_hub-2")).toHaveLength(4);
    expect(activeHub(spoke, down)).toBeNull();
  });

  it("never moves a hub's direct spoke routes, only its link routes", () => {
    const hub: DesiredState = {
      ...spoke,
      node: "hub-2",
      role: "hub",
      interfaces: [
        {
          name: "hw_lab",
          purpose: "hub-spokes",
          addresses: ["10.100.0.2/32"],
          mtu: 1420,
          peers: [peer("spoke-a")],
          routes: [{ prefix: "10.100.1.1/32", metric: 200 }],
        },
        {
          name: "hw_lab_hub-1",
          purpose: "hub-link",
          remote: "hub-1",
          probe: "10.100.0.1",
          addresses: ["10.100.0.2/32"],
          mtu: 1420,
          peers: [peer("hub-1")],
          routes: [
            { prefix: "10.100.0.1/32", metric: 100 },
            { prefix: "10.100.1.1/32", metric: 100 },
          ],
        },
      ],
    };
    const s = routedState(hub, new Set(["hw_lab_hub-1", "hw_lab"]));
    expect(routesOf(s, "hw_lab")).toEqual(["10.100.1.1/32@200"]);
    expect(routesOf(s, "hw_lab_hub-1")).toEqual([`10.100.0.1/32@${PROBE_METRIC}`, "10.100.0.1/32@100"]);
  });
});
