/**
 * The hub's nftables table beyond the access rules: the host input filter (hub hardening: what
 * it lets in, the per-node opt-out, the spec's validation, the revision following it) and `icmp`
 * in dual-stack networks (ICMP of both families).
 */
import { describe, expect, it } from "vitest";
import type { DesiredState, Issue, Resource } from "../model/index.js";
import { parseResource } from "../model/index.js";
import { compile } from "./compile.js";
import { groupResources } from "./intent.js";
import { testKey, testResource, testSpoke } from "./test-resources.js";

const key = testKey;
const res = testResource;

const network = (spec: Record<string, unknown> = {}) =>
  res("Network", "corp", { cidr: "10.100.0.0/16", defaultAction: "deny", ...spec });
const hub = (name: string, n: number, spec: Record<string, unknown> = {}) =>
  res("Node", name, {
    network: "corp",
    role: "hub",
    endpoint: `203.0.113.${n}:${51820 + 10 * n}`,
    tunnelAddress: `10.100.0.${n}`,
    publicKey: key(name),
    ...spec,
  });
/** Spoke number n, attached to hub-a. */
const spoke = (
  name: string,
  n: number,
  spec: Record<string, unknown> = {},
  labels?: Record<string, string>,
) => testSpoke(name, n, ["hub-a"], spec, labels);

function outcome(resources: Resource[]): { states: ReadonlyMap<string, DesiredState> } | { issues: Issue[] } {
  const r = compile(groupResources(resources));
  return r.ok ? { states: r.states } : { issues: r.issues };
}
function states(resources: Resource[]): ReadonlyMap<string, DesiredState> {
  const o = outcome(resources);
  if ("issues" in o) throw new Error(JSON.stringify(o.issues));
  return o.states;
}
/** The lines of the hub's `input` chain, or undefined without one. */
function inputChain(state: DesiredState | undefined): string[] | undefined {
  const script = state?.firewall?.script ?? "";
  const m = /\n {2}chain input \{\n([\s\S]*?)\n {2}\}\n/.exec(script);
  return m ? m[1]!.split("\n").map((l) => l.trim()) : undefined;
}

describe("hub input policy", () => {
  it("drops by default, letting in loopback, established, ICMP echo, the hub's WireGuard ports and SSH", () => {
    const s = states([network(), hub("hub-a", 1), hub("hub-b", 2), spoke("site", 1)]);
    const lines = inputChain(s.get("hub-a"))!;
    expect(lines[0]).toBe("type filter hook input priority filter; policy drop;");
    expect(lines).toContain('iif "lo" accept');
    expect(lines).toContain("ct state established,related accept");
    expect(lines).toContain(
      'meta l4proto icmp icmp type echo-request accept comment "failover probes, ping"',
    );
    expect(
      lines.some((l) => /^meta l4proto ipv6-icmp icmpv6 type \{.*echo-request.*nd-neighbor-solicit/.test(l)),
    ).toBe(true);
    // hub-a's spokes interface and its link to hub-b, from its endpoint's port.
    const ports = s.get("hub-a")!.interfaces.map((i) => i.listenPort);
    expect(ports).toEqual([51830, 51831]);
    expect(lines).toContain('udp dport { 51830, 51831 } accept comment "WireGuard"');
    expect(lines).toContain('tcp dport { 22 } accept comment "inputPolicy.allow"');
    expect(lines.filter((l) => l.includes("accept")).length).toBe(7);
    // Spokes get no table at all.
    expect(s.get("site")!.firewall).toBeUndefined();
  });

  it("lets in exactly the operator's list, which replaces the SSH default", () => {
    const allow = ["tcp/7443", "udp/500-501", "tcp/8000-8099"];
    const s = states([network(), hub("hub-a", 1, { inputPolicy: { allow } }), spoke("site", 1)]);
    const lines = inputChain(s.get("hub-a"))!;
    expect(lines).toContain('tcp dport { 7443, 8000-8099 } accept comment "inputPolicy.allow"');
    expect(lines).toContain('udp dport { 500-501 } accept comment "inputPolicy.allow"');
    expect(lines.join("\n")).not.toMatch(/\b22\b/);
    const none = states([network(), hub("hub-a", 1, { inputPolicy: { allow: [] } }), spoke("site", 1)]);
    expect(inputChain(none.get("hub-a"))!.filter((l) => l.includes("inputPolicy.allow"))).toEqual([]);
  });

  it("is left out when the node opts out, and the forward rules stay", () => {
    const s = states([network(), hub("hub-a", 1, { inputPolicy: { enforce: false } }), spoke("site", 1)]);
    const script = s.get("hub-a")!.firewall!.script;
    expect(inputChain(s.get("hub-a"))).toBeUndefined();
    expect(script).not.toContain("hook input");
    expect(script).toContain("hook forward");
  });

  it("changes the hub's revision when its input policy changes, and only the hub's", () => {
    const before = states([network(), hub("hub-a", 1), spoke("site", 1)]);
    const after = states([
      network(),
      hub("hub-a", 1, { inputPolicy: { allow: ["tcp/22", "tcp/443"] } }),
      spoke("site", 1),
    ]);
    expect(after.get("hub-a")!.revision).not.toBe(before.get("hub-a")!.revision);
    expect(after.get("site")!.revision).toBe(before.get("site")!.revision);
    const off = states([network(), hub("hub-a", 1, { inputPolicy: { enforce: false } }), spoke("site", 1)]);
    expect(off.get("hub-a")!.revision).not.toBe(before.get("hub-a")!.revision);
  });

  it("is refused on spokes, and with port ranges out of order or out of bounds", () => {
    const o = outcome([
      network(),
      hub("hub-a", 1, { inputPolicy: { allow: ["tcp/22", "tcp/900-800", "udp/70000"] } }),
      spoke("site", 1, { inputPolicy: { allow: ["tcp/22"] } }),
    ]);
    expect("issues" in o && o.issues.map((i) => [i.code, i.name, i.path])).toEqual([
      ["port-range", "hub-a", "spec.inputPolicy.allow[1]"],
      ["port-range", "hub-a", "spec.inputPolicy.allow[2]"],
      ["wrong-role", "site", "spec.inputPolicy"],
    ]);
    const schema = parseResource({
      apiVersion: "hubwire/v1",
      kind: "Node",
      metadata: { name: "hub-x" },
      spec: { network: "corp", role: "hub", inputPolicy: { allow: ["icmp", "sctp/9"], extra: 1 } },
    });
    expect(schema.ok).toBe(false);
  });
});

describe("icmp in access rules", () => {
  const rules = (ports: string[]) =>
    res("AccessPolicy", "ops", {
      network: "corp",
      rules: [
        { from: { labels: { tier: "ops" } }, to: { labels: { tier: "site" } }, ports, action: "allow" },
      ],
    });
  const dual = () => [
    network({ cidr6: "fd10:100::/64" }),
    hub("hub-a", 1, { tunnelAddress6: "fd10:100::1" }),
    spoke("ops", 1, { tunnelAddress6: "fd10:100::11" }, { tier: "ops" }),
    spoke("site", 2, { tunnelAddress6: "fd10:100::12" }, { tier: "site" }),
  ];
  const icmpLines = (s: ReadonlyMap<string, DesiredState>) =>
    s
      .get("hub-a")!
      .firewall!.script.split("\n")
      .filter((l) => l.includes('comment "ops rule 0"') && l.includes("icmp"))
      .map((l) => l.trim().replace(/ comment .*/, ""));

  it("allows ICMP and ICMPv6 in a dual-stack network; icmpv6 alone only ICMPv6; both once each", () => {
    expect(icmpLines(states([...dual(), rules(["icmp"])]))).toEqual([
      "ip saddr @r0_from4 ip daddr @r0_to4 meta l4proto icmp accept",
      "ip6 saddr @r0_from6 ip6 daddr @r0_to6 meta l4proto ipv6-icmp accept",
    ]);
    expect(icmpLines(states([...dual(), rules(["icmpv6"])]))).toEqual([
      "ip6 saddr @r0_from6 ip6 daddr @r0_to6 meta l4proto ipv6-icmp accept",
    ]);
    expect(icmpLines(states([...dual(), rules(["icmp", "icmpv6"])]))).toEqual([
      "ip saddr @r0_from4 ip daddr @r0_to4 meta l4proto icmp accept",
      "ip6 saddr @r0_from6 ip6 daddr @r0_to6 meta l4proto ipv6-icmp accept",
    ]);
  });
});
