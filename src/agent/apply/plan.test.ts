import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { DesiredState } from "../../model/index.js";
import { diffStates, formatChange } from "../../wgconf/diff.js";
import { firewallHash } from "./firewall.js";
import { formatStep } from "./format.js";
import { HANDLED_FIELDS } from "./handled-fields.js";
import { isOwnedName, type LiveState, planApply } from "./plan.js";

const GOLDEN = join(import.meta.dirname, "../../compile/testdata/golden");
const ME = "HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw=";

function goldenStates(): DesiredState[] {
  const out: DesiredState[] = [];
  for (const set of readdirSync(GOLDEN))
    for (const node of readdirSync(join(GOLDEN, set)))
      out.push(JSON.parse(readFileSync(join(GOLDEN, set, node, `${node}.json`), "utf8")) as DesiredState);
  return out;
}
const hub = (): DesiredState => goldenStates().find((s) => s.node === "hub-fra")!;

/** The live state an apply of `d` leaves behind. */
function liveOf(d: DesiredState, psk?: string): LiveState {
  return {
    interfaces: d.interfaces.map((i) => ({
      name: i.name,
      publicKey: ME,
      listenPort: i.listenPort ?? 40000,
      mtu: i.mtu,
      up: true,
      addresses: [...i.addresses].sort(),
      peers: i.peers.map((p) => ({
        publicKey: p.publicKey,
        presharedKey: p.presharedKeyRef && psk ? psk : null,
        endpoint: p.endpoint ?? null,
        allowedIPs: [...p.allowedIPs].sort(),
        latestHandshake: 0,
        rxBytes: 0,
        txBytes: 0,
        persistentKeepalive: p.persistentKeepalive ?? 0,
      })),
    })),
    routes: d.interfaces.flatMap((i) => i.routes.map((r) => ({ iface: i.name, ...r }))),
    firewall: d.firewall
      ? { exists: true, hash: firewallHash(d.firewall.script) }
      : { exists: false, hash: null },
    forwarding: { ipv4: d.forwarding, ipv6: d.forwarding },
  };
}
const empty: LiveState = {
  interfaces: [],
  routes: [],
  firewall: { exists: false, hash: null },
  forwarding: { ipv4: false, ipv6: false },
};

describe("planApply", () => {
  it("plans nothing when the machine matches, for every golden state", () => {
    for (const d of goldenStates()) expect(planApply(d, liveOf(d), { publicKey: ME }), d.node).toEqual([]);
  });

  it("plans everything from scratch in a safe order: firewall, interfaces, routes", () => {
    const d = hub();
    const ops = planApply(d, empty, { publicKey: ME }).map((s) => s.op);
    expect(ops[0]).toBe("replace-firewall");
    expect(ops.slice(1, 3)).toEqual(["enable-forwarding", "enable-forwarding"]); // hub-fra has IPv6 too
    expect(ops.filter((o) => o === "create-interface")).toHaveLength(d.interfaces.length);
    expect(ops.filter((o) => o === "add-peer")).toHaveLength(d.interfaces.flatMap((i) => i.peers).length);
    expect(ops.indexOf("add-route")).toBeGreaterThan(ops.lastIndexOf("set-up"));
  });

  it("prints a change in the same words as the CLI's plan (desired → desired)", () => {
    const d = hub();
    const [first, ...rest] = d.interfaces;
    const lower: DesiredState = { ...d, revision: "next", interfaces: [{ ...first!, mtu: 1380 }, ...rest] };
    const steps = planApply(lower, liveOf(d), { publicKey: ME });
    expect(steps.map(formatStep)).toEqual([`~ ${first!.name}: mtu ${first!.mtu} → 1380`]);
    expect(diffStates(d, lower).map(formatChange)).toEqual(steps.map(formatStep));
  });

  it("changes only the peer whose allowed IPs changed, naming old and new", () => {
    const d = hub();
    const live = liveOf(d);
    const [first, ...rest] = d.interfaces;
    const p0 = first!.peers[0]!;
    const changed: DesiredState = {
      ...d,
      interfaces: [
        {
          ...first!,
          peers: [{ ...p0, allowedIPs: [...p0.allowedIPs, "10.250.0.0/24"] }, ...first!.peers.slice(1)],
        },
        ...rest,
      ],
    };
    const steps = planApply(changed, live, { publicKey: ME });
    expect(steps).toHaveLength(1);
    expect(steps[0]).toMatchObject({ op: "change-peer", iface: first!.name, peer: { name: p0.name } });
    expect(formatStep(steps[0]!)).toBe(
      `~ ${first!.name}: peer ${p0.name} allowedIPs ${[...p0.allowedIPs].sort().join(", ")} → ${[...p0.allowedIPs, "10.250.0.0/24"].sort().join(", ")}`,
    );
    // The endpoint is not rewritten when only allowed IPs changed.
    expect(steps[0]).not.toHaveProperty("peer.endpoint");
  });

  it("leaves a roamed endpoint alone unless the desired endpoint changed", () => {
    const d = hub();
    const iface = d.interfaces[0]!;
    const withEndpoint = iface.peers.findIndex((p) => p.endpoint !== undefined);
    expect(withEndpoint).toBeGreaterThanOrEqual(0);
    const live = liveOf(d);
    const roamed: LiveState = {
      ...live,
      interfaces: live.interfaces.map((i, n) =>
        n === 0
          ? {
              ...i,
              peers: i.peers.map((p, k) => (k === withEndpoint ? { ...p, endpoint: "203.0.113.9:4444" } : p)),
            }
          : i,
      ),
    };
    expect(planApply(d, roamed, { publicKey: ME, previous: d })).toEqual([]);
    const peer = iface.peers[withEndpoint]!;
    const moved: DesiredState = {
      ...d,
      interfaces: [
        {
          ...iface,
          peers: iface.peers.map((p, k) =>
            k === withEndpoint ? { ...p, endpoint: "198.51.100.77:51820" } : p,
          ),
        },
        ...d.interfaces.slice(1),
      ],
    };
    const steps = planApply(moved, roamed, { publicKey: ME, previous: d });
    expect(steps).toEqual([
      expect.objectContaining({
        op: "change-peer",
        peer: expect.objectContaining({ name: peer.name, endpoint: "198.51.100.77:51820" }),
        changes: [{ field: "endpoint", from: "203.0.113.9:4444", to: "198.51.100.77:51820" }],
      }),
    ]);
  });

  it("deletes only hubwire's stale interfaces and routes, never foreign ones", () => {
    const d = hub();
    const live = liveOf(d);
    const withStale: LiveState = {
      ...live,
      interfaces: [...live.interfaces, { ...live.interfaces[0]!, name: "hw_old" }],
      routes: [
        ...live.routes,
        { iface: d.interfaces[0]!.name, prefix: "10.9.9.0/24", metric: 100 },
        { iface: "hw_old", prefix: "10.8.0.0/24", metric: 100 },
      ],
    };
    expect(planApply(d, withStale, { publicKey: ME }).map(formatStep)).toEqual([
      `- ${d.interfaces[0]!.name}: route 10.9.9.0/24 metric 100`,
      "- interface hw_old",
    ]);
    expect(isOwnedName("hw_corp")).toBe(true);
    expect(isOwnedName("hwxabcdefghijkl")).toBe(true);
    expect(isOwnedName("wg0")).toBe(false);
    expect(isOwnedName("hwire")).toBe(false);
  });

  it("moves a route to its new metric (add, then remove) and matches a route listed twice once", () => {
    const d = hub();
    const iface = d.interfaces[0]!;
    const [first, ...others] = iface.routes;
    const changed: DesiredState = {
      ...d,
      interfaces: [
        { ...iface, routes: [{ ...first!, metric: first!.metric + 1 }, ...others, others[0]!] },
        ...d.interfaces.slice(1),
      ],
    };
    expect(planApply(changed, liveOf(d), { publicKey: ME }).map(formatStep)).toEqual([
      `+ ${iface.name}: route ${first!.prefix} metric ${first!.metric + 1}`,
      `- ${iface.name}: route ${first!.prefix} metric ${first!.metric}`,
    ]);
  });

  it("replaces the firewall when its hash differs or the table is gone, deletes it when no longer wanted", () => {
    const d = hub();
    const live = liveOf(d);
    expect(
      planApply(d, { ...live, firewall: { exists: true, hash: "0".repeat(64) } }, { publicKey: ME }).map(
        (s) => s.op,
      ),
    ).toEqual(["replace-firewall"]);
    expect(
      planApply(d, { ...live, firewall: { exists: false, hash: null } }, { publicKey: ME }).map((s) => s.op),
    ).toEqual(["replace-firewall"]);
    const { firewall: _f, ...noFirewall } = d;
    expect(planApply(noFirewall, live, { publicKey: ME }).map((s) => s.op)).toEqual(["delete-firewall"]);
  });

  it("updates the sets of a firewall whose script differs from the last one only in set elements", () => {
    const previous = hub();
    // One spoke's address moves: it stands in r0_from4 and r1_to4 (the same side of two rules).
    const script = previous.firewall!.script.replaceAll("10.100.1.29/32", "10.100.1.30/32");
    const d: DesiredState = { ...previous, firewall: { ...previous.firewall!, script } };
    const unread = { exists: false, hash: null, unread: true };
    const fromHash = firewallHash(previous.firewall!.script);
    const steps = planApply(d, { ...liveOf(previous), firewall: unread }, { publicKey: ME, previous });
    expect(steps).toEqual([
      {
        op: "update-firewall-sets",
        table: "hubwire",
        fromHash,
        hash: firewallHash(script),
        changes: [
          { set: "r0_from4", remove: ["10.100.1.29"], add: ["10.100.1.30"] },
          { set: "r1_to4", remove: ["10.100.1.29"], add: ["10.100.1.30"] },
        ],
        script,
      },
    ]);
    expect(formatStep(steps[0]!)).toBe(
      `~ firewall: update sets of table inet hubwire (r0_from4, r1_to4: +2 -2 intervals; sha256 ${fromHash.slice(0, 12)} → ${firewallHash(script).slice(0, 12)})`,
    );
    // Read and holding the last script: the same update; holding another one, or gone: loaded whole.
    const read = (firewall: LiveState["firewall"]) =>
      planApply(d, { ...liveOf(previous), firewall }, { publicKey: ME, previous }).map((s) => s.op);
    expect(read({ exists: true, hash: fromHash })).toEqual(["update-firewall-sets"]);
    expect(read({ exists: true, hash: "0".repeat(64) })).toEqual(["replace-firewall"]);
    expect(read({ exists: true, hash: null })).toEqual(["replace-firewall"]);
    expect(read({ exists: false, hash: null })).toEqual(["replace-firewall"]);
    // Without the last state, or with a rule that changed too: loaded whole.
    expect(
      planApply(d, { ...liveOf(previous), firewall: unread }, { publicKey: ME }).map((s) => s.op),
    ).toEqual(["replace-firewall"]);
    const ruleChanged: DesiredState = {
      ...d,
      firewall: { ...d.firewall!, script: script.replace("dport { 22, 443 }", "dport { 22 }") },
    };
    expect(
      planApply(ruleChanged, { ...liveOf(previous), firewall: unread }, { publicKey: ME, previous }).map(
        (s) => s.op,
      ),
    ).toEqual(["replace-firewall"]);
  });

  it("sets key, port, MTU, up and addresses only when they differ", () => {
    const d = hub();
    const live = liveOf(d);
    const i0 = live.interfaces[0]!;
    const off: LiveState = {
      ...live,
      interfaces: [
        { ...i0, publicKey: null, listenPort: 1, mtu: 1500, up: false, addresses: ["10.0.0.99/32"] },
        ...live.interfaces.slice(1),
      ],
    };
    const ops = planApply(d, off, { publicKey: ME }).map((s) => s.op);
    expect(ops).toEqual([
      "set-private-key",
      "set-listen-port",
      "set-mtu",
      ...d.interfaces[0]!.addresses.map(() => "add-address"),
      "remove-address",
      "set-up",
    ]);
  });

  it("compares preshared keys by ref without ever printing them", () => {
    const mesh = goldenStates().find((s) => s.node === "hub-1")!;
    const psks = new Map(
      mesh.interfaces
        .flatMap((i) => i.peers)
        .map((p) => [p.presharedKeyRef!, "FpCyhws9cxwWoV4xELtfJvjJN+zQVRPISllRWgeopVE="]),
    );
    expect(
      planApply(mesh, liveOf(mesh, "FpCyhws9cxwWoV4xELtfJvjJN+zQVRPISllRWgeopVE="), {
        publicKey: ME,
        presharedKeys: psks,
      }),
    ).toEqual([]);
    const steps = planApply(mesh, liveOf(mesh), { publicKey: ME, presharedKeys: psks });
    expect(steps.every((s) => s.op === "change-peer")).toBe(true);
    expect(steps.map(formatStep).join("\n")).not.toContain("FpCyhws9");
    expect(formatStep(steps[0]!)).toContain("presharedKey (none) → (set)");
  });
});

describe("guard: every desired-state field is handled by the planner", () => {
  it("HANDLED_FIELDS names every field that compiled states carry", () => {
    const seen = {
      state: new Set<string>(),
      interface: new Set<string>(),
      peer: new Set<string>(),
      route: new Set<string>(),
      firewallConfig: new Set<string>(),
    };
    for (const s of goldenStates()) {
      for (const k of Object.keys(s)) seen.state.add(k);
      if (s.firewall) for (const k of Object.keys(s.firewall)) seen.firewallConfig.add(k);
      for (const i of s.interfaces) {
        for (const k of Object.keys(i)) seen.interface.add(k);
        for (const p of i.peers) for (const k of Object.keys(p)) seen.peer.add(k);
        for (const r of i.routes) for (const k of Object.keys(r)) seen.route.add(k);
      }
    }
    for (const [group, keys] of Object.entries(seen)) {
      const handled = Object.keys(HANDLED_FIELDS[group as keyof typeof HANDLED_FIELDS]);
      for (const k of keys) expect(handled, `${group}.${k}`).toContain(k);
    }
  });
});
