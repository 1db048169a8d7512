/**
 * The typed diff between two desired states, and guard tests: adding a field
 * to PeerConfig, InterfaceConfig or DesiredState without teaching the diff
 * (and the renderer) about it must break this file, at compile time where
 * TypeScript can see it and at run time otherwise.
 */
import { describe, expect, it } from "vitest";
import type { DesiredState, InterfaceConfig, PeerConfig } from "../model/index.js";
import {
  diffPeers,
  diffStates,
  formatChange,
  INTERFACE_FIELDS,
  PEER_FIELDS,
  type StateChange,
} from "./diff.js";
import { renderInterface } from "./wgquick.js";

const KEY_A = "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=";
const KEY_B = "3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08=";

const peer = (over: Partial<PeerConfig> = {}): PeerConfig => ({
  name: "branch-sha",
  publicKey: KEY_A,
  endpoint: "198.51.100.7:51820",
  allowedIPs: ["10.100.1.7/32", "10.64.7.0/24"],
  ...over,
});

const iface = (over: Partial<InterfaceConfig> = {}): InterfaceConfig => ({
  name: "hw_corp",
  purpose: "hub-spokes",
  listenPort: 51820,
  addresses: ["10.100.0.1/32"],
  mtu: 1420,
  peers: [peer()],
  routes: [{ prefix: "10.64.7.0/24", metric: 100 }],
  ...over,
});

let revisions = 0;
const state = (over: Partial<DesiredState> = {}): DesiredState => ({
  apiVersion: "hubwire/v1",
  kind: "NodeConfig",
  protocol: 1,
  node: "hub-fra",
  network: "corp",
  role: "hub",
  // Each state its own revision, unless a test says otherwise: equal revisions short-circuit the diff.
  revision: `rev-${revisions++}`,
  forwarding: true,
  interfaces: [iface()],
  firewall: { table: "hubwire", script: "table inet hubwire {}\n" },
  presharedKeyGeneration: 1,
  ...over,
});

const printed = (changes: StateChange[]) => changes.map(formatChange);

describe("diffStates", () => {
  it("finds nothing between equal revisions (the apply fast path)", () => {
    const a = state({ revision: "same" });
    expect(diffStates(a, { ...a, interfaces: [] })).toEqual([]);
  });

  it("finds nothing between equal contents under different revisions", () => {
    expect(diffStates(state(), state())).toEqual([]);
  });

  it("lists a new node's interfaces and peers", () => {
    expect(printed(diffStates(undefined, state()))).toEqual([
      "+ interface hw_corp",
      "+ hw_corp: peer branch-sha",
      "~ firewall rules",
    ]);
  });

  it("lists a removed node's interfaces", () => {
    expect(printed(diffStates(state(), undefined))).toEqual(["- interface hw_corp", "~ firewall rules"]);
  });

  it("reports added, removed and changed peers", () => {
    const prev = state({
      interfaces: [iface({ peers: [peer(), peer({ name: "branch-ber", publicKey: KEY_B })] })],
    });
    const next = state({
      interfaces: [
        iface({
          peers: [
            peer({ allowedIPs: ["10.100.1.7/32", "10.64.7.0/24", "10.64.70.0/24"], endpoint: undefined }),
            peer({ name: "edge-rig", publicKey: KEY_B }),
          ],
        }),
      ],
    });
    expect(printed(diffStates(prev, next))).toEqual([
      "~ hw_corp: peer branch-sha endpoint 198.51.100.7:51820 → (none)",
      "~ hw_corp: peer branch-sha allowedIPs 10.100.1.7/32, 10.64.7.0/24 → 10.100.1.7/32, 10.64.7.0/24, 10.64.70.0/24",
      "+ hw_corp: peer edge-rig",
      "- hw_corp: peer branch-ber",
    ]);
  });

  it("reports routes added and removed; a metric change is both", () => {
    const prev = state({ interfaces: [iface({ routes: [{ prefix: "10.64.7.0/24", metric: 100 }] })] });
    const next = state({
      interfaces: [
        iface({
          routes: [
            { prefix: "10.64.7.0/24", metric: 200 },
            { prefix: "10.64.8.0/24", metric: 100 },
          ],
        }),
      ],
    });
    expect(printed(diffStates(prev, next))).toEqual([
      "+ hw_corp: route 10.64.7.0/24 metric 200",
      "+ hw_corp: route 10.64.8.0/24 metric 100",
      "- hw_corp: route 10.64.7.0/24 metric 100",
    ]);
  });

  it("reports interfaces added, removed and changed", () => {
    const prev = state({
      interfaces: [iface(), iface({ name: "hw_corp_hub-sgp", purpose: "hub-link", peers: [] })],
    });
    const next = state({
      interfaces: [iface({ mtu: 1380 }), iface({ name: "hw_corp_hub-ams", purpose: "hub-link", peers: [] })],
    });
    expect(printed(diffStates(prev, next))).toEqual([
      "~ hw_corp: mtu 1420 → 1380",
      "+ interface hw_corp_hub-ams",
      "- interface hw_corp_hub-sgp",
    ]);
  });

  it("reports firewall and forwarding changes", () => {
    const next = state({ forwarding: false, firewall: { table: "hubwire", script: "changed\n" } });
    expect(diffStates(state(), next)).toEqual([
      { type: "firewall-changed" },
      { type: "forwarding-changed", to: false },
    ]);
    expect(printed(diffStates(state(), state({ firewall: undefined })))).toEqual(["~ firewall rules"]);
    expect(printed(diffStates(state({ presharedKeyGeneration: undefined }), state()))).toEqual([
      "~ preshared keys: generation 0 → 1",
    ]);
  });
});

/**
 * Two different values for every field of PeerConfig. `satisfies Record<keyof
 * PeerConfig, …>` makes a field added to the type a compile error here until
 * it gets samples (and an unknown key here is an error too).
 */
const PEER_SAMPLES = {
  name: ["branch-sha", "branch-sha2"],
  publicKey: [KEY_A, KEY_B],
  endpoint: ["198.51.100.7:51820", "198.51.100.8:51820"],
  allowedIPs: [["10.64.7.0/24"], ["10.64.8.0/24"]],
  persistentKeepalive: [25, 15],
  presharedKeyRef: ["corp.a.b", "corp.a.c"],
  override: ["o1", "o2"],
} satisfies Record<keyof PeerConfig, readonly [unknown, unknown]>;

/** The same for InterfaceConfig; `name`, `peers` and `routes` are compared structurally, not as scalars. */
const INTERFACE_SAMPLES = {
  name: ["hw_corp", "hw_lab"],
  purpose: ["uplink", "hub-link"],
  remote: ["hub-fra", "hub-sgp"],
  priority: [0, 1],
  probe: ["10.100.0.1", "10.100.0.2"],
  listenPort: [51820, 51821],
  addresses: [["10.100.1.7/32"], ["10.100.1.8/32"]],
  mtu: [1420, 1380],
  peers: [[peer()], [peer({ name: "other" })]],
  routes: [[{ prefix: "10.64.7.0/24", metric: 100 }], [{ prefix: "10.64.7.0/24", metric: 101 }]],
} satisfies Record<keyof InterfaceConfig, readonly [unknown, unknown]>;

/** How diffStates treats each field of DesiredState: every field must have an answer. */
const STATE_FIELDS = {
  apiVersion: "identity",
  kind: "identity",
  protocol: "identity",
  node: "identity",
  network: "identity",
  role: "identity",
  revision: "short-circuit",
  forwarding: "diffed",
  interfaces: "diffed",
  firewall: "diffed",
  presharedKeyGeneration: "diffed",
} as const satisfies Record<keyof DesiredState, "identity" | "short-circuit" | "diffed">;

const sortedKeys = (o: object) => Object.keys(o).sort();

describe("guard: every field is handled by diff and render", () => {
  it("PEER_FIELDS lists every key of PeerConfig", () => {
    expect([...PEER_FIELDS].sort()).toEqual(sortedKeys(PEER_SAMPLES));
  });

  it.each(Object.keys(PEER_SAMPLES) as (keyof PeerConfig)[])("a change of peer.%s is reported", (field) => {
    const [a, b] = PEER_SAMPLES[field] as readonly [unknown, unknown];
    const base = peer({ persistentKeepalive: 25, presharedKeyRef: "corp.a.b", override: "o1" });
    const changes = diffPeers("hw_corp", { ...base, [field]: a }, { ...base, [field]: b });
    expect(changes.map((c) => (c.type === "peer-changed" ? c.field : c.type))).toEqual([field]);
  });

  it.each(Object.keys(PEER_SAMPLES) as (keyof PeerConfig)[])(
    "a change of peer.%s changes the wg-quick file",
    (field) => {
      const [a, b] = PEER_SAMPLES[field] as readonly [unknown, unknown];
      const s = state({ role: "spoke" });
      const render = (v: unknown) => renderInterface(s, iface({ peers: [{ ...peer(), [field]: v }] }));
      expect(render(a)).not.toBe(render(b));
    },
  );

  it("INTERFACE_FIELDS plus name, peers and routes cover every key of InterfaceConfig", () => {
    expect([...INTERFACE_FIELDS, "name", "peers", "routes"].sort()).toEqual(sortedKeys(INTERFACE_SAMPLES));
  });

  it.each(Object.keys(INTERFACE_SAMPLES) as (keyof InterfaceConfig)[])(
    "a change of interface.%s is reported",
    (field) => {
      const [a, b] = INTERFACE_SAMPLES[field] as readonly [unknown, unknown];
      const changes = diffStates(
        state({ interfaces: [{ ...iface(), [field]: a }] }),
        state({ interfaces: [{ ...iface(), [field]: b }] }),
      );
      expect(changes.length).toBeGreaterThan(0);
      if ((INTERFACE_FIELDS as readonly string[]).includes(field)) {
        expect(changes).toContainEqual(expect.objectContaining({ type: "interface-changed", field }));
      }
    },
  );

  it.each(Object.keys(INTERFACE_SAMPLES) as (keyof InterfaceConfig)[])(
    "a change of interface.%s changes the wg-quick file",
    (field) => {
      const [a, b] = INTERFACE_SAMPLES[field] as readonly [unknown, unknown];
      const s = state({ role: "spoke" });
      const base = iface({ purpose: "uplink", remote: "hub-fra", priority: 0 });
      expect(renderInterface(s, { ...base, [field]: a })).not.toBe(
        renderInterface(s, { ...base, [field]: b }),
      );
    },
  );

  it("every DesiredState field is classified, and the diffed ones are detected", () => {
    expect(sortedKeys(STATE_FIELDS)).toEqual(sortedKeys(state()));
    const other: Partial<DesiredState> = {
      forwarding: false,
      interfaces: [],
      firewall: { table: "hubwire", script: "x\n" },
      presharedKeyGeneration: 2,
    };
    for (const [field, how] of Object.entries(STATE_FIELDS)) {
      if (how !== "diffed") continue;
      const f = field as keyof DesiredState;
      expect(diffStates(state(), state({ [f]: other[f] })).length, field).toBeGreaterThan(0);
    }
  });
});
