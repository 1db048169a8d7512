import { describe, expect, it } from "vitest";
import { DesiredStateRefused, parseDesiredState } from "./desired-state.js";

const KEY = "HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw=";
const state = (over: Record<string, unknown> = {}) => ({
  apiVersion: "hubwire/v1",
  kind: "NodeConfig",
  protocol: 1,
  node: "branch-nyc",
  network: "corp",
  role: "spoke",
  revision: "r1",
  forwarding: false,
  interfaces: [
    {
      name: "hw_corp",
      purpose: "uplink",
      remote: "hub-fra",
      priority: 0,
      addresses: ["10.96.0.5/32"],
      mtu: 1420,
      peers: [
        { name: "hub-fra", publicKey: KEY, endpoint: "198.51.100.1:51820", allowedIPs: ["10.96.0.0/16"] },
      ],
      routes: [{ prefix: "10.96.0.0/16", metric: 100 }],
    },
  ],
  ...over,
});

const refusal = (value: unknown) => {
  try {
    parseDesiredState(typeof value === "string" ? value : JSON.stringify(value));
  } catch (e) {
    expect(e).toBeInstanceOf(DesiredStateRefused);
    return (e as Error).message;
  }
  throw new Error("expected a refusal");
};

describe("parseDesiredState", () => {
  it("takes a valid state as it is", () => {
    expect(parseDesiredState(JSON.stringify(state()))).toEqual(state());
  });

  it("ignores fields it does not know (additions are optional, older agents skip them)", () => {
    const parsed = parseDesiredState(JSON.stringify(state({ futureField: { x: 1 } })));
    expect(parsed).toEqual(state());
  });

  it("refuses another protocol version, saying which and what to do", () => {
    expect(refusal(state({ protocol: 2 }))).toMatch(
      /protocol: protocol 2 is not spoken by this agent.*upgrade/,
    );
  });

  it("names the path of what is wrong", () => {
    const bad = state();
    (bad.interfaces[0] as { peers: { publicKey: string }[] }).peers[0]!.publicKey = "not-a-key";
    expect(refusal(bad)).toMatch(
      /^desired state refused: interfaces\.0\.peers\.0\.publicKey: must be a WireGuard key/,
    );
    expect(refusal(state({ interfaces: undefined }))).toMatch(/interfaces:/);
    expect(refusal(state({ kind: "Node" }))).toMatch(/kind:/);
  });

  it("says when the text is not JSON at all", () => {
    expect(refusal("{ half")).toMatch(/^desired state is not JSON/);
  });

  it("lists at most five problems, and how many more there were", () => {
    const message = refusal({ apiVersion: "x" });
    // apiVersion is wrong and eight fields are missing: five are named, the rest counted.
    expect(message).toMatch(/^desired state refused: apiVersion: .*; kind: .*\(and 4 more\)$/);
    expect(message).not.toMatch(/forwarding:/);
  });
});
