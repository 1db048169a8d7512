/**
 * Access policy → one nftables table per hub, owned by hubwire and replaced
 * atomically (`nft -f` runs the whole script as one transaction). Only packets
 * entering or leaving this network's interfaces are judged; everything else on
 * the host passes through untouched.
 *
 * Sets use `auto-merge`, so elements need no summarising or sorting: each side
 * lists its CIDRs then its nodes' prefixes in node-name order. The rule body is
 * computed once per rule list and shared by every hub of the network.
 */
import { createHash } from "node:crypto";
import { DEFAULT_INPUT_ALLOW, type FirewallConfig, noteScriptParts } from "../model/index.js";
import { formatPrefix } from "../netaddr/index.js";
import type { NetworkPlan } from "./network-plan.js";
import type { ResolvedNetwork, ResolvedNode } from "./resolved.js";
import type { ResolvedRule, ResolvedSide } from "./selectors.js";

export const FIREWALL_TABLE = "hubwire";

const sideElements = new WeakMap<ResolvedSide, { 4: string; 6: string }>();
const bodies = new WeakMap<readonly ResolvedRule[], string>();
const bodyDigests = new WeakMap<readonly ResolvedRule[], string>();

const nodeElements = new WeakMap<ResolvedNode, { 4: string; 6: string }>();

/** A node's prefixes as set-element text per family (cached: a side is rebuilt from these after every change). */
function elementsOfNode(n: ResolvedNode): { 4: string; 6: string } {
  let e = nodeElements.get(n);
  if (!e) {
    e = {
      4: n.ownPrefixes.filter((p) => !p.includes(":")).join(", "),
      6: n.ownPrefixes.filter((p) => p.includes(":")).join(", "),
    };
    nodeElements.set(n, e);
  }
  return e;
}

/** Where `piece` (a whole element run, between `, ` separators) stands in `text`; undefined unless exactly once. */
function findPiece(text: string, piece: string): number | undefined {
  const at = text.indexOf(piece);
  if (at < 0 || text.indexOf(piece, at + 1) >= 0) return undefined;
  const end = at + piece.length;
  if (
    (at > 0 && text.slice(at - 2, at) !== ", ") ||
    (end < text.length && text.slice(end, end + 2) !== ", ")
  ) {
    return undefined;
  }
  return at;
}

/** `text` with `piece` replaced; undefined when not found once. */
function replacePiece(text: string, piece: string, replacement: string): string | undefined {
  const at = findPiece(text, piece);
  return at === undefined ? undefined : text.slice(0, at) + replacement + text.slice(at + piece.length);
}

/**
 * After one node changed from `before` to `after` (either may be absent: a node added, removed,
 * or one that joined or left the side), the new side's element text is the old one with that
 * node's piece replaced, inserted after the piece of the member before it in node order
 * (`nodes`, the network's nodes after the change), or cut out — instead of rebuilding the set
 * from every node. Does nothing when that cannot be done exactly (elements() then rebuilds).
 */
export function carryElements(
  oldSide: ResolvedSide,
  newSide: ResolvedSide,
  change: {
    readonly before: ResolvedNode | undefined;
    readonly after: ResolvedNode | undefined;
    /** Whether `before` was a member of `oldSide` (its node set may since have been updated in place). */
    readonly was: boolean;
    readonly nodes: readonly ResolvedNode[];
  },
): void {
  const old = sideElements.get(oldSide);
  if (!old) return;
  const { before, after, was, nodes } = change;
  const is = after !== undefined && newSide.nodes.has(after);
  if (was && is && before!.name !== after!.name) return;
  const a = was ? elementsOfNode(before!) : undefined;
  const b = is ? elementsOfNode(after!) : undefined;
  const next: { 4: string; 6: string } = { 4: old[4], 6: old[6] };
  for (const family of [4, 6] as const) {
    const from = a?.[family] ?? "";
    const to = b?.[family] ?? "";
    if (from === to) continue;
    let text: string | undefined;
    if (from && to) text = replacePiece(old[family], from, to);
    else if (from) text = cutPiece(old[family], from);
    else text = insertPiece(old[family], to, family, newSide, after!, nodes);
    if (text === undefined) return;
    next[family] = text;
  }
  sideElements.set(newSide, next);
}

/** `text` without `piece` and one of its separators; undefined when not found once. */
function cutPiece(text: string, piece: string): string | undefined {
  const at = findPiece(text, piece);
  if (at === undefined) return undefined;
  const end = at + piece.length;
  if (at > 0) return text.slice(0, at - 2) + text.slice(end); // ", piece"
  return text.slice(end < text.length ? end + 2 : end); // "piece, " or the whole text
}

/**
 * `text` with `piece` (of `node`, now a member of `side`) where a rebuild would put it: after the
 * piece of the nearest member before it in node order, else right after the side's CIDRs.
 */
function insertPiece(
  text: string,
  piece: string,
  family: 4 | 6,
  side: ResolvedSide,
  node: ResolvedNode,
  nodes: readonly ResolvedNode[],
): string | undefined {
  let at = nodes.indexOf(node);
  if (at < 0) return undefined;
  while (--at >= 0) {
    const n = nodes[at]!;
    if (!side.nodes.has(n)) continue;
    const prev = elementsOfNode(n)[family];
    if (!prev) continue;
    return replacePiece(text, prev, `${prev}, ${piece}`);
  }
  const cidrs = side.cidrs
    .filter((c) => c.family === family)
    .map(formatPrefix)
    .join(", ");
  if (!cidrs) return text ? `${piece}, ${text}` : piece;
  if (text !== cidrs && !text.startsWith(`${cidrs}, `)) return undefined;
  return `${cidrs}, ${piece}${text.slice(cidrs.length)}`;
}

function elements(side: ResolvedSide, net: ResolvedNetwork): { 4: string; 6: string } {
  let cached = sideElements.get(side);
  if (!cached) {
    const v4: string[] = [];
    const v6: string[] = [];
    for (const c of side.cidrs) (c.family === 4 ? v4 : v6).push(formatPrefix(c));
    for (const n of net.nodes) {
      if (!side.nodes.has(n)) continue;
      const e = elementsOfNode(n);
      if (e[4]) v4.push(e[4]);
      if (e[6]) v6.push(e[6]);
    }
    cached = { 4: v4.join(", "), 6: v6.join(", ") };
    sideElements.set(side, cached);
  }
  return cached;
}

function l4Matches(ports: readonly string[] | undefined, family: 4 | 6): string[] {
  if (!ports || ports.length === 0) return [""];
  const tcp: string[] = [];
  const udp: string[] = [];
  const icmp: string[] = [];
  for (const p of ports) {
    // `icmp` is ICMP of whichever family the rule's addresses are: in a dual-stack network it
    // allows ICMPv6 as well (ping6 works where ping does). `icmpv6` alone is IPv6 only.
    if (p === "icmp" || p === "icmpv6") {
      if (p === "icmp" || family === 6)
        icmp.push(family === 4 ? "meta l4proto icmp " : "meta l4proto ipv6-icmp ");
    } else {
      const [proto, range] = p.split("/") as [string, string];
      (proto === "tcp" ? tcp : udp).push(range);
    }
  }
  const out: string[] = [];
  if (tcp.length) out.push(`meta l4proto tcp th dport { ${tcp.join(", ")} } `);
  if (udp.length) out.push(`meta l4proto udp th dport { ${udp.join(", ")} } `);
  return [...out, ...new Set(icmp)];
}

function body(plan: NetworkPlan): string {
  let cached = bodies.get(plan.rules);
  if (cached !== undefined) return cached;
  const sets: string[] = [];
  const lines: string[] = [];
  plan.rules.forEach((r, i) => {
    const verdict = r.rule.action === "allow" ? "accept" : "drop";
    const comment = `comment "${r.policy} rule ${r.index}"`;
    const from = elements(r.from, plan.net);
    const to = elements(r.to, plan.net);
    for (const family of [4, 6] as const) {
      if (!from[family] || !to[family]) continue;
      const type = family === 4 ? "ipv4_addr" : "ipv6_addr";
      const ip = family === 4 ? "ip" : "ip6";
      const set = (side: string) => `r${i}_${side}${family}`;
      sets.push(
        `  set ${set("from")} { type ${type}; flags interval; auto-merge; elements = { ${from[family]} } }`,
      );
      sets.push(
        `  set ${set("to")} { type ${type}; flags interval; auto-merge; elements = { ${to[family]} } }`,
      );
      for (const l4 of l4Matches(r.rule.ports, family)) {
        lines.push(`    ${ip} saddr @${set("from")} ${ip} daddr @${set("to")} ${l4}${verdict} ${comment}`);
      }
    }
  });
  const action = plan.net.spec.defaultAction === "allow" ? "accept" : "drop";
  cached = [
    ...sets,
    "  chain net {",
    "    ct state established,related accept",
    "    ct state invalid drop",
    ...lines,
    `    ${action} comment "network ${plan.net.name} default"`,
    "  }",
  ].join("\n");
  bodies.set(plan.rules, cached);
  return cached;
}

/** The hub host's own input filter (hub hardening). */
export interface HostInput {
  /** UDP ports of the hub's WireGuard interfaces. */
  readonly wireguardPorts: readonly number[];
  /** The operator's ports (`tcp/22`, `udp/500-501`), let in on every interface. */
  readonly allow: readonly string[];
}

/**
 * What a hub's input filter lets in, from its spec and its interfaces; undefined when the node
 * opted out (`inputPolicy.enforce: false`).
 */
export function hostInputOf(
  node: ResolvedNode,
  interfaces: ReadonlyArray<{ listenPort?: number }>,
): HostInput | undefined {
  const policy = node.source.spec.inputPolicy;
  if (policy && !policy.enforce) return undefined;
  const ports = new Set<number>();
  for (const i of interfaces) if (i.listenPort !== undefined) ports.add(i.listenPort);
  return {
    wireguardPorts: [...ports].sort((a, b) => a - b),
    allow: policy?.allow ?? DEFAULT_INPUT_ALLOW,
  };
}

/** ICMPv6 a host needs to stay reachable at all (neighbour discovery, path MTU), and echo for probes. */
const ICMPV6_NEEDED =
  "destination-unreachable, packet-too-big, time-exceeded, parameter-problem, echo-request, " +
  "nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert";

/** The `input` chain: policy drop, with what `input` lets in. Empty text without one. */
function inputChain(input: HostInput | undefined): string {
  if (!input) return "";
  const lines = [
    "  chain input {",
    "    type filter hook input priority filter; policy drop;",
    '    iif "lo" accept',
    "    ct state established,related accept",
    "    ct state invalid drop",
    '    meta l4proto icmp icmp type echo-request accept comment "failover probes, ping"',
    `    meta l4proto ipv6-icmp icmpv6 type { ${ICMPV6_NEEDED} } accept`,
    '    ip6 saddr fe80::/10 udp dport 546 accept comment "DHCPv6 replies"',
  ];
  if (input.wireguardPorts.length)
    lines.push(`    udp dport { ${input.wireguardPorts.join(", ")} } accept comment "WireGuard"`);
  const tcp: string[] = [];
  const udp: string[] = [];
  for (const p of input.allow) {
    const [proto, range] = p.split("/") as [string, string];
    (proto === "tcp" ? tcp : udp).push(range);
  }
  if (tcp.length) lines.push(`    tcp dport { ${tcp.join(", ")} } accept comment "inputPolicy.allow"`);
  if (udp.length) lines.push(`    udp dport { ${udp.join(", ")} } accept comment "inputPolicy.allow"`);
  lines.push("  }\n");
  return lines.join("\n");
}

/** The part of {@link firewallDigest} that stands for the input chain. */
function inputDigest(input: HostInput | undefined): string {
  return input ? `${input.wireguardPorts.join(",")}/${input.allow.join(",")}` : "-";
}

/**
 * The hub's table for its network; `interfaces` are the hub's hubwire interface names, `links`
 * those of them that lead to other hubs. Traffic is judged once, by the hub where it enters the
 * overlay: what arrives over a link from another hub was judged there and is accepted.
 */
export function compileFirewall(
  plan: NetworkPlan,
  interfaces: readonly string[],
  links: readonly string[] = [],
  input?: HostInput,
): FirewallConfig {
  const quoted = (list: readonly string[]) => list.map((n) => `"${n}"`).join(", ");
  const names = quoted(interfaces);
  const fromLinks = links.length
    ? `    iifname { ${quoted(links)} } accept comment "judged by the hub where it entered"\n`
    : "";
  // `+` keeps the shared body as one piece of a rope instead of copying it per hub.
  const head = `table inet ${FIREWALL_TABLE}\ndelete table inet ${FIREWALL_TABLE}\ntable inet ${FIREWALL_TABLE} {\n`;
  const shared = body(plan);
  const tail =
    "\n  chain forward {\n    type filter hook forward priority filter; policy accept;\n" +
    fromLinks +
    `    iifname { ${names} } jump net\n    oifname { ${names} } jump net\n  }\n` +
    inputChain(input) +
    "}\n";
  const firewall = { table: FIREWALL_TABLE, script: head + shared + tail };
  noteScriptParts(firewall, head, shared, tail);
  return firewall;
}

/**
 * A digest that changes exactly when the hub's script does: the rule body
 * (hashed once per rule list, shared by every hub) and the interface names.
 */
export function firewallDigest(
  plan: NetworkPlan,
  interfaces: readonly string[],
  links: readonly string[] = [],
  input?: HostInput,
): string {
  let digest = bodyDigests.get(plan.rules);
  if (digest === undefined) {
    digest = createHash("sha256").update(body(plan)).digest("hex");
    bodyDigests.set(plan.rules, digest);
  }
  return `${digest}:${interfaces.join(",")}:${links.join(",")}:${inputDigest(input)}`;
}
