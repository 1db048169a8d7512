/**
 * Focused compiler behaviour on small hand-made intents: interfaces per hub
 * and per hub link, metrics and failover routes, who is whose peer, preshared
 * keys, overrides, which revisions a change touches, and interface names.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { DesiredState, InterfaceConfig, PeerConfig, Resource } from "../model/index.js";
import { type Compiled, type CompileOptions, compile } from "./compile.js";
import { IncrementalCompiler } from "./incremental.js";
import { groupResources } from "./intent.js";
import { interfaceName, MAX_IFNAME } from "./interfaces.js";
import { testKey, testResource, testSpoke } from "./test-resources.js";

const key = testKey;
const res = testResource;

const network = (spec: Record<string, unknown> = {}, name = "corp") =>
  res("Network", name, { cidr: "10.100.0.0/16", defaultAction: "allow", ...spec });

/** Hub number n: endpoint 203.0.113.n:51820, tunnel 10.100.0.n, site 10.n.0.0/16. */
const hub = (name: string, n: number, spec: Record<string, unknown> = {}, labels?: Record<string, string>) =>
  res(
    "Node",
    name,
    {
      network: "corp",
      role: "hub",
      endpoint: `203.0.113.${n}:51820`,
      tunnelAddress: `10.100.0.${n}`,
      subnets: [`10.${n}.0.0/16`],
      publicKey: key(name),
      ...spec,
    },
    labels,
  );

const spoke = testSpoke;

const policy = (name: string, rules: unknown[], priority = 100) =>
  res("AccessPolicy", name, { network: "corp", priority, rules });

function compiled(resources: Resource[], options?: CompileOptions): Compiled {
  const result = compile(groupResources(resources), options);
  if (!result.ok)
    throw new Error(`compile failed:\n${result.issues.map((i) => JSON.stringify(i)).join("\n")}`);
  return result;
}

function states(resources: Resource[], options?: CompileOptions): ReadonlyMap<string, DesiredState> {
  return compiled(resources, options).states;
}

function ifaceOf(state: DesiredState | undefined, name: string): InterfaceConfig {
  const found = state?.interfaces.find((i) => i.name === name);
  if (!found) throw new Error(`${state?.node} has no interface ${name}`);
  return found;
}

function peerOf(i: InterfaceConfig, name: string): PeerConfig | undefined {
  return i.peers.find((p) => p.name === name);
}

/** Metrics of the routes to `prefix` on interface `iface` of `node`. */
const metrics = (s: ReadonlyMap<string, DesiredState>, node: string, iface: string, prefix: string) =>
  ifaceOf(s.get(node), iface)
    .routes.filter((r) => r.prefix === prefix)
    .map((r) => r.metric);

const peerNames = (i: InterfaceConfig) => i.peers.map((p) => p.name);

describe("spokes", () => {
  let s: ReadonlyMap<string, DesiredState>;
  beforeAll(() => {
    s = states([
      network(),
      hub("hub-a", 1),
      hub("hub-b", 2),
      spoke("site", 1, ["hub-b", "hub-a"], { endpoint: "198.51.100.1:51830" }),
    ]);
  });

  it("get one uplink per hub, in priority order, with metric 100 + priority", () => {
    const site = s.get("site")!;
    expect(site.forwarding).toBe(true); // it routes its site subnets

    expect(site.firewall).toBeUndefined();
    expect(site.interfaces.map((i) => [i.name, i.purpose, i.remote, i.priority, i.listenPort])).toEqual([
      ["hw_corp_hub-a", "uplink", "hub-a", 1, 51831],
      ["hw_corp_hub-b", "uplink", "hub-b", 0, 51830],
    ]);
    for (const i of site.interfaces) {
      expect(i.routes.length).toBeGreaterThan(0);
      for (const r of i.routes) expect(r.metric).toBe(100 + i.priority!);
      expect(i.routes.map((r) => r.prefix)).toEqual(i.peers[0]!.allowedIPs);
      expect(i.addresses).toEqual(["10.100.1.1/32"]);
    }
    const toB = peerOf(ifaceOf(site, "hw_corp_hub-b"), "hub-b")!;
    expect(toB).toMatchObject({
      publicKey: key("hub-b"),
      endpoint: "203.0.113.2:51820",
      persistentKeepalive: 25,
    });
  });

  it("are dialled by each hub on the port of the uplink to that hub", () => {
    expect(peerOf(ifaceOf(s.get("hub-b"), "hw_corp"), "site")!.endpoint).toBe("198.51.100.1:51830");
    expect(peerOf(ifaceOf(s.get("hub-a"), "hw_corp"), "site")!.endpoint).toBe("198.51.100.1:51831");
  });

  it("never route their own subnet or address into a tunnel", () => {
    for (const i of s.get("site")!.interfaces) {
      expect(i.routes.map((r) => r.prefix)).not.toContain("10.64.1.0/24");
      expect(i.routes.map((r) => r.prefix)).not.toContain("10.100.1.1/32");
    }
  });
});

describe("hubs", () => {
  let s: ReadonlyMap<string, DesiredState>;
  beforeAll(() => {
    s = states([network(), hub("hub-a", 1), hub("hub-b", 2), hub("hub-c", 3), spoke("site", 1, ["hub-a"])]);
  });
  const hubs = ["hub-a", "hub-b", "hub-c"];

  it("have one spokes interface and one link per other hub, on consecutive ports", () => {
    const a = s.get("hub-a")!;
    expect(a.forwarding).toBe(true);
    expect(a.firewall?.script).toContain('iifname { "hw_corp", "hw_corp_hub-b", "hw_corp_hub-c" } jump net');
    expect(a.interfaces.map((i) => [i.name, i.purpose, i.remote, i.listenPort])).toEqual([
      ["hw_corp", "hub-spokes", undefined, 51820],
      ["hw_corp_hub-b", "hub-link", "hub-b", 51821],
      ["hw_corp_hub-c", "hub-link", "hub-c", 51822],
    ]);
    expect(peerNames(ifaceOf(a, "hw_corp"))).toEqual(["site"]);
  });

  it("judge traffic once, where it enters: the same rules on every hub, links accepted", () => {
    const chainOf = (hub: string, chain: string) => {
      const script = s.get(hub)!.firewall!.script;
      const start = script.indexOf(`  chain ${chain} {`);
      return script.slice(start, script.indexOf("\n  }", start));
    };
    for (const h of hubs) {
      expect(chainOf(h, "net")).toBe(chainOf("hub-a", "net"));
      const links = hubs.filter((o) => o !== h).map((o) => `"hw_corp_${o}"`);
      const forward = chainOf(h, "forward").split("\n");
      const accept = forward.findIndex((l) => l.includes(`iifname { ${links.join(", ")} } accept`));
      const judge = forward.findIndex((l) => l.includes("jump net"));
      expect(accept).toBeGreaterThan(0);
      expect(accept).toBeLessThan(judge);
    }
  });

  it("dial each other on the port the other end listens on for that link", () => {
    for (const x of hubs) {
      for (const y of hubs) {
        if (x === y) continue;
        const mine = ifaceOf(s.get(x), `hw_corp_${y}`);
        const theirs = ifaceOf(s.get(y), `hw_corp_${x}`);
        expect(mine.peers.map((p) => p.name)).toEqual([y]);
        expect(mine.peers[0]!.endpoint).toBe(`203.0.113.${hubs.indexOf(y) + 1}:${theirs.listenPort}`);
      }
    }
  });

  it("route each other's own prefixes over the link between them", () => {
    expect(metrics(s, "hub-a", "hw_corp_hub-b", "10.2.0.0/16")).toEqual([100]);
    expect(metrics(s, "hub-a", "hw_corp_hub-b", "10.100.0.2/32")).toEqual([100]);
    expect(metrics(s, "hub-a", "hw_corp_hub-c", "10.2.0.0/16")).toEqual([]);
  });
});

describe("activeHubs", () => {
  const intent = [
    network(),
    hub("hub-a", 1),
    hub("hub-b", 2),
    hub("hub-c", 3),
    spoke("site", 1, ["hub-a", "hub-b"]),
  ];
  const site = "10.64.1.0/24";

  // [what, the hub the spoke reports (none: its first), [hub, interface, metric of the site's route]…]
  it.each([
    [
      "by default routes a spoke via its first hub, with the direct fallback at 200",
      undefined,
      [
        ["hub-a", "hw_corp", 100],
        ["hub-b", "hw_corp", 200],
        ["hub-b", "hw_corp_hub-a", 100],
        ["hub-c", "hw_corp_hub-a", 100],
        ["hub-c", "hw_corp_hub-b", 301],
      ],
    ],
    [
      "moves the spoke's routes to the reported hub: 100 there and via its link, 200 direct elsewhere",
      "hub-b",
      [
        ["hub-b", "hw_corp", 100],
        ["hub-a", "hw_corp", 200],
        ["hub-a", "hw_corp_hub-b", 100],
        ["hub-c", "hw_corp_hub-b", 100],
        ["hub-c", "hw_corp_hub-a", 300],
      ],
    ],
  ] as const)("%s", (_what, active, routes) => {
    const s = states(intent, active ? { activeHubs: new Map([["site", active]]) } : undefined);
    for (const [hub, iface, metric] of routes)
      expect(metrics(s, hub, iface, site), `${hub} ${iface}`).toEqual([metric]);
  });

  it("an attachment moved in the incremental compiler gives what a full compile with it gives, touching only hubs", () => {
    const inc = new IncrementalCompiler();
    const base = inc.compile(groupResources(intent));
    if (!base.ok) throw new Error("compile failed");
    const moved = inc.attach("site", "hub-b");
    expect(moved.changed).toEqual(["hub-a", "hub-b", "hub-c"]);
    const full = states(intent, { activeHubs: new Map([["site", "hub-b"]]) });
    for (const [name, state] of full) expect(inc.currentStates.get(name), name).toEqual(state);
    expect(inc.attachmentOf("site")).toEqual({ hubs: ["hub-a", "hub-b"], active: "hub-b" });
    expect(inc.attachedCounts()).toEqual(
      new Map([
        ["hub-a", 0],
        ["hub-b", 1],
        ["hub-c", 0],
      ]),
    );
    expect(inc.attach("site", "hub-b").changed).toEqual([]);
    expect(inc.attach("site", undefined).changed).toEqual(["hub-a", "hub-b", "hub-c"]);
    for (const [name, state] of states(intent)) expect(inc.currentStates.get(name), name).toEqual(state);
  });

  it("ignores a reported hub the spoke does not list, and never changes the spoke itself", () => {
    const plain = states(intent);
    const bogus = states(intent, { activeHubs: new Map([["site", "hub-c"]]) });
    for (const [name, state] of plain) expect(bogus.get(name)!.revision, name).toBe(state.revision);
    expect(states(intent, { activeHubs: new Map([["site", "hub-b"]]) }).get("site")!.revision).toBe(
      plain.get("site")!.revision,
    );
  });
});

describe("nodes without a public key", () => {
  it("are nobody's peer and nobody routes to them, but get their own config", () => {
    const s = states([
      network({ topology: "mesh" }),
      hub("hub-a", 1),
      hub("hub-b", 2, { publicKey: undefined }),
      spoke("s1", 1, ["hub-a", "hub-b"], { endpoint: "198.51.100.1:51820" }),
      spoke("s2", 2, ["hub-a"], { endpoint: "198.51.100.2:51820", publicKey: undefined }),
    ]);
    expect(peerNames(ifaceOf(s.get("hub-a"), "hw_corp"))).toEqual(["s1"]);
    expect(metrics(s, "hub-a", "hw_corp", "10.64.2.0/24")).toEqual([]);
    expect(peerNames(ifaceOf(s.get("s1"), "hw_corp"))).toEqual([]);
    // A keyless hub: no peer and no routes toward it, from spokes or hubs.
    expect(ifaceOf(s.get("s1"), "hw_corp_hub-b")).toMatchObject({ peers: [], routes: [] });
    expect(ifaceOf(s.get("hub-a"), "hw_corp_hub-b")).toMatchObject({ peers: [], routes: [] });
    expect(peerNames(ifaceOf(s.get("s2"), "hw_corp_hub-a"))).toEqual(["hub-a"]);
  });
});

describe("mesh", () => {
  const sites = [
    spoke("a", 1, ["hub"], { endpoint: "198.51.100.1:51820" }, { site: "a" }),
    spoke("b", 2, ["hub"], { endpoint: "198.51.100.2:51820" }, { site: "b" }),
    spoke("c", 3, ["hub"], {}, { site: "c" }),
    spoke("d", 4, ["hub"], {}, { site: "d" }),
  ];
  const limitDToA = policy("isolate-d", [
    { from: { labels: { site: "d" } }, to: { labels: { site: "a" } }, ports: ["tcp/443"], action: "allow" },
    { from: { labels: { site: "d" } }, to: { labels: { site: "a" } }, action: "deny" },
  ]);
  const meshPeers = (s: ReadonlyMap<string, DesiredState>) =>
    Object.fromEntries(["a", "b", "c", "d"].map((n) => [n, peerNames(ifaceOf(s.get(n), "hw_corp"))]));

  it("peers spokes allowed everything both ways when at least one has an endpoint", () => {
    const s = states([network({ topology: "mesh" }), hub("hub", 1), ...sites, limitDToA]);
    expect(meshPeers(s)).toEqual({ a: ["b", "c"], b: ["a", "c", "d"], c: ["a", "b"], d: ["b"] });
  });

  it("dials the other side's mesh port, and keeps NAT open only from the side without an endpoint", () => {
    const s = states([network({ topology: "mesh" }), hub("hub", 1), ...sites]);
    const aToB = peerOf(ifaceOf(s.get("a"), "hw_corp"), "b")!;
    expect(aToB.endpoint).toBe(`198.51.100.2:${ifaceOf(s.get("b"), "hw_corp").listenPort}`);
    expect(aToB.persistentKeepalive).toBeUndefined();
    expect(aToB.allowedIPs).toEqual(["10.64.2.0/24", "10.100.1.2/32"]);
    const aToC = peerOf(ifaceOf(s.get("a"), "hw_corp"), "c")!;
    expect(aToC.endpoint).toBeUndefined();
    expect(peerOf(ifaceOf(s.get("c"), "hw_corp"), "a")!.persistentKeepalive).toBe(25);
    expect(metrics(s, "a", "hw_corp", "10.64.2.0/24")).toEqual([50]);
  });

  it("needs a rule allowing all traffic both ways under default deny", () => {
    const both = policy("mesh-ab", [
      { from: { nodes: ["a"] }, to: { nodes: ["b"] }, action: "allow" },
      { from: { nodes: ["b"] }, to: { nodes: ["a"] }, action: "allow" },
    ]);
    const oneWay = policy("mesh-ab", [{ from: { nodes: ["a"] }, to: { nodes: ["b"] }, action: "allow" }]);
    const ports = policy("mesh-ab", [
      { from: { nodes: ["a", "b"] }, to: { nodes: ["a", "b"] }, ports: ["tcp/22"], action: "allow" },
    ]);
    const deny = { topology: "mesh", defaultAction: "deny" };
    expect(meshPeers(states([network(deny), hub("hub", 1), ...sites, both])).a).toEqual(["b"]);
    expect(meshPeers(states([network(deny), hub("hub", 1), ...sites, oneWay])).a).toEqual([]);
    expect(meshPeers(states([network(deny), hub("hub", 1), ...sites, ports])).a).toEqual([]);
  });

  it("does not exist in a hub-and-spoke network", () => {
    const s = states([network(), hub("hub", 1), ...sites]);
    expect(s.get("a")!.interfaces.map((i) => i.purpose)).toEqual(["uplink"]);
  });
});

describe("preshared keys", () => {
  const intent = (presharedKeys: boolean) => [
    network({ presharedKeys, topology: "mesh" }),
    hub("hub-a", 1),
    hub("hub-b", 2),
    spoke("s1", 1, ["hub-a", "hub-b"], { endpoint: "198.51.100.1:51820" }),
    spoke("s2", 2, ["hub-a"]),
  ];

  it("name the same key on both ends of every pair", () => {
    const s = states(intent(true));
    const ref = (node: string, iface: string, p: string) =>
      peerOf(ifaceOf(s.get(node), iface), p)?.presharedKeyRef;
    const pairs: Array<[string, string, string, string]> = [
      ["hub-a", "hw_corp", "s1", "hw_corp_hub-a"],
      ["hub-b", "hw_corp", "s1", "hw_corp_hub-b"],
      ["hub-a", "hw_corp", "s2", "hw_corp_hub-a"],
      ["hub-a", "hw_corp_hub-b", "hub-b", "hw_corp_hub-a"],
      ["s1", "hw_corp", "s2", "hw_corp"],
    ];
    const refs = new Set<string>();
    for (const [x, xi, y, yi] of pairs) {
      const r = ref(x, xi, y);
      expect(r, `${x} ⟷ ${y}`).toBeDefined();
      expect(ref(y, yi, x), `${y} ⟷ ${x}`).toBe(r);
      refs.add(r!);
    }
    expect(refs.size).toBe(pairs.length);
  });

  it("are absent everywhere when the network has none", () => {
    for (const state of states(intent(false)).values())
      for (const i of state.interfaces) for (const p of i.peers) expect(p.presharedKeyRef).toBeUndefined();
  });
});

describe("peer overrides", () => {
  const base = [
    network(),
    hub("hub-a", 1),
    hub("hub-b", 2),
    spoke("s1", 1, ["hub-a", "hub-b"]),
    spoke("s2", 2, ["hub-a"]),
  ];
  const override = (spec: Record<string, unknown>) =>
    res("PeerOverride", "fix-s1", { network: "corp", peer: "s1", ...spec });

  it("replace the fields they set on the chosen nodes and keep the rest", () => {
    const plain = states(base);
    const s = states([
      ...base,
      override({
        nodes: ["hub-a"],
        endpoint: "192.0.2.99:4000",
        persistentKeepalive: 10,
        reason: "ISP outage",
      }),
    ]);
    const before = peerOf(ifaceOf(plain.get("hub-a"), "hw_corp"), "s1")!;
    expect(peerOf(ifaceOf(s.get("hub-a"), "hw_corp"), "s1")).toEqual({
      ...before,
      endpoint: "192.0.2.99:4000",
      persistentKeepalive: 10,
      override: "fix-s1",
    });
    expect(s.get("hub-b")!.revision).toBe(plain.get("hub-b")!.revision);
    expect(s.get("hub-a")!.revision).not.toBe(plain.get("hub-a")!.revision);
  });

  it("apply wherever the peer appears when no nodes are named", () => {
    const s = states([...base, override({ publicKey: key("s1-new") })]);
    for (const h of ["hub-a", "hub-b"]) {
      expect(peerOf(ifaceOf(s.get(h), "hw_corp"), "s1")).toMatchObject({
        publicKey: key("s1-new"),
        override: "fix-s1",
      });
    }
  });

  it("are refused when they make AllowedIPs overlap another peer's", () => {
    const result = compile(groupResources([...base, override({ allowedIPs: ["10.64.0.0/16"] })]));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toContainEqual(
      expect.objectContaining({
        code: "overlap",
        kind: "PeerOverride",
        name: "fix-s1",
        path: "spec.allowedIPs[0]",
      }),
    );
  });

  // With Table = off only listed routes exist, so an override that moves a
  // peer's AllowedIPs must move the interface's routes with it, or the new
  // prefixes are accepted from the peer but never sent to it.
  it("route the overridden AllowedIPs into the interface instead of the generated ones", () => {
    const s = states([
      ...base,
      override({ nodes: ["hub-a"], allowedIPs: ["10.100.1.1/32", "10.65.1.0/24"] }),
    ]);
    const routes = ifaceOf(s.get("hub-a"), "hw_corp").routes.map((r) => r.prefix);
    expect(routes).toContain("10.65.1.0/24");
    expect(routes).not.toContain("10.64.1.0/24");
  });

  it("carry the overridden AllowedIPs in address order, as generated peers do (not as text)", () => {
    const s = states([...base, override({ nodes: ["hub-a"], allowedIPs: ["10.100.1.1/32", "9.9.9.0/24"] })]);
    expect(peerOf(ifaceOf(s.get("hub-a"), "hw_corp"), "s1")!.allowedIPs).toEqual([
      "9.9.9.0/24",
      "10.100.1.1/32",
    ]);
  });
});

describe("revisions", () => {
  const dc = { tier: "dc" };
  const intent = (s1: { subnet?: string; endpoint?: string; tier?: string } = {}) => [
    network({ defaultAction: "deny" }),
    hub("hub-a", 1, {}, dc),
    hub("hub-b", 2, {}, dc),
    spoke(
      "s1",
      1,
      ["hub-a"],
      { subnets: [s1.subnet ?? "10.64.1.0/24"], endpoint: s1.endpoint ?? "198.51.100.1:51820" },
      { tier: s1.tier ?? "branch" },
    ),
    spoke("s2", 2, ["hub-b"], {}, { tier: "branch" }),
    spoke("mon", 3, ["hub-a"], {}, dc),
    spoke("e1", 4, ["hub-b"], {}, { tier: "edge" }),
    policy("branches-to-dc", [{ from: { labels: { tier: "branch" } }, to: { labels: dc }, action: "allow" }]),
  ];
  const changed = (a: Resource[], b: Resource[]) => {
    const before = states(a);
    const after = states(b);
    return [...after.keys()].filter((n) => before.get(n)!.revision !== after.get(n)!.revision);
  };

  it("of a spoke's subnet change: the hubs (peers, routes, firewall) and the nodes that route to it", () => {
    // s1's own configuration never carries its own subnet, so it is unchanged.
    expect(changed(intent(), intent({ subnet: "10.64.11.0/24" }))).toEqual(["hub-a", "hub-b", "mon"]);
  });

  it("of a spoke's endpoint change: only the hubs that dial it", () => {
    expect(changed(intent(), intent({ endpoint: "198.51.100.101:51820" }))).toEqual(["hub-a"]);
  });

  it("of a spoke's label change: the spoke, the hubs and the nodes whose destinations it enters or leaves", () => {
    expect(changed(intent(), intent({ tier: "edge" }))).toEqual(["hub-a", "hub-b", "mon", "s1"]);
  });

  it("do not change when nothing changes", () => {
    expect(changed(intent(), intent())).toEqual([]);
  });
});

describe("interface names", () => {
  it("are readable while they fit in 15 characters", () => {
    expect(interfaceName("uplink", "corp", "hub-fra")).toBe("hw_corp_hub-fra");
    expect(interfaceName("hub-spokes", "corp")).toBe("hw_corp");
    expect(interfaceName("mesh", "corp")).toBe("hw_corp");
  });

  it("fall back to a stable hashed form when too long, distinct per purpose and remote", () => {
    const long = interfaceName("uplink", "corp", "hub-frankfurt");
    expect(long).toMatch(/^hwx[a-z2-7]{12}$/);
    expect(long.length).toBeLessThanOrEqual(MAX_IFNAME);
    expect(interfaceName("uplink", "corp", "hub-frankfurt")).toBe(long);
    expect(interfaceName("hub-link", "corp", "hub-frankfurt")).not.toBe(long);
    expect(interfaceName("uplink", "corp", "hub-frankfurt-2")).not.toBe(long);
    expect(interfaceName("mesh", "datacenter-west")).not.toBe(interfaceName("hub-spokes", "datacenter-west"));
  });

  it("in compiled output stay the same when other nodes come and go", () => {
    const net = res("Network", "datacenter-west", { cidr: "10.100.0.0/16" });
    const inNet = (r: Resource) => ({ ...r, spec: { ...r.spec, network: "datacenter-west" } }) as Resource;
    const small = [net, ...[hub("hub-frankfurt", 1), spoke("s1", 1, ["hub-frankfurt"])].map(inNet)];
    const big = [
      ...small,
      ...[hub("hub-singapore", 2), spoke("s2", 2, ["hub-singapore", "hub-frankfurt"])].map(inNet),
    ];
    const names = (s: ReadonlyMap<string, DesiredState>, node: string) =>
      s.get(node)!.interfaces.map((i) => i.name);
    const a = states(small);
    const b = states(big);
    expect(names(b, "s1")).toEqual(names(a, "s1"));
    expect(names(b, "hub-frankfurt")).toEqual(expect.arrayContaining(names(a, "hub-frankfurt")));
    expect(names(b, "s2")).toContain(names(a, "s1")[0]);
    for (const state of b.values())
      for (const n of names(b, state.node)) expect(n.length).toBeLessThanOrEqual(15);
  });
});

/** Regression guards for bugs these tests once found. */
describe("fixed gaps", () => {
  // A spoke behind an allow rule's CIDR needs a route and AllowedIPs back to the
  // other side, or the hub forwards the packet and the spoke's WireGuard drops it.
  it("gives a spoke reached through a CIDR rule the route and AllowedIPs back to the source", () => {
    const s = states([
      network({ defaultAction: "deny" }),
      hub("hub-a", 1),
      spoke("s1", 1, ["hub-a"]),
      res("Node", "laptop", {
        network: "corp",
        role: "external",
        tunnelAddress: "10.100.3.1",
        hubs: ["hub-a"],
        publicKey: key("laptop"),
      }),
      policy("remote", [
        { from: { nodes: ["laptop"] }, to: { cidrs: ["10.64.0.0/12"] }, ports: ["tcp/443"], action: "allow" },
      ]),
    ]);
    expect(s.get("hub-a")!.firewall!.script).toContain("10.64.0.0/12");
    expect(peerOf(ifaceOf(s.get("laptop"), "hw_corp_hub-a"), "hub-a")!.allowedIPs).toContain("10.64.0.0/12");
    expect(peerOf(ifaceOf(s.get("s1"), "hw_corp_hub-a"), "hub-a")!.allowedIPs).toContain("10.100.3.1/32");
  });

  // Public ports a node needs: one per interface (spoke: hubs + mesh; hub: one per hub of the network).
  it("refuses two hubs on one public address whose port blocks overlap", () => {
    const result = compile(
      groupResources([
        network(),
        hub("hub-a", 1, { endpoint: "203.0.113.1:51820" }),
        hub("hub-b", 2, { endpoint: "203.0.113.1:51821" }),
      ]),
    );
    expect(result.ok ? [] : result.issues.map((i) => i.code)).toContain("duplicate-endpoint");
  });

  it("refuses two mesh spokes on one public address whose mesh port collides", () => {
    const result = compile(
      groupResources([
        network({ topology: "mesh" }),
        hub("hub-a", 1),
        spoke("s1", 1, ["hub-a"], { endpoint: "198.51.100.1:51820" }),
        spoke("s2", 2, ["hub-a"], { endpoint: "198.51.100.1:51821" }),
      ]),
    );
    expect(result.ok ? [] : result.issues.map((i) => i.code)).toContain("duplicate-endpoint");
  });

  // `allocated` only tracks IPv4, so an IPv6 address IPAM chose for a node with a
  // fixed IPv4 address is never reported for pinning.
  it("reports an IPv6 address IPAM chose for a node whose IPv4 address is fixed", () => {
    const c = compiled([network({ cidr6: "fd10:100::/64" }), hub("hub-a", 1)]);
    const v6 = ifaceOf(c.states.get("hub-a"), "hw_corp").addresses.find((a) => a.includes(":"));
    expect(v6).toBeDefined();
    expect(c.allocations).toContainEqual(
      expect.objectContaining({ node: "hub-a", tunnelAddress6: v6!.slice(0, -4) }),
    );
  });
});
