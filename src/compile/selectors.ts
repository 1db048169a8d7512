/**
 * Access-policy selectors resolved against a network: which nodes and which
 * prefixes each side of each rule stands for.
 */
import type { AccessRule, Selector } from "../model/index.js";
import { overlaps, type Prefix, parsePrefix } from "../netaddr/index.js";
import type { ResolvedNetwork, ResolvedNode } from "./resolved.js";

export interface ResolvedSide {
  readonly selector: Selector;
  readonly nodes: ReadonlySet<ResolvedNode>;
  readonly cidrs: readonly Prefix[];
}

const prefixMemo = new WeakMap<ResolvedSide, readonly Prefix[]>();

/** The side's CIDRs plus its nodes' tunnel addresses and subnets (computed once per side). */
export function sidePrefixes(side: ResolvedSide): readonly Prefix[] {
  let prefixes = prefixMemo.get(side);
  if (!prefixes) {
    const list: Prefix[] = [...side.cidrs];
    for (const n of side.nodes) list.push(...n.tunnelPrefixes, ...n.subnets);
    prefixes = list;
    prefixMemo.set(side, list);
  }
  return prefixes;
}

export interface ResolvedRule {
  readonly policy: string;
  readonly index: number;
  readonly rule: AccessRule;
  readonly from: ResolvedSide;
  readonly to: ResolvedSide;
  /** No port or protocol restriction. */
  readonly allPorts: boolean;
}

/**
 * Whether a selector names the node (by name or labels; `labels: {}` selects
 * every node, as an empty label selector does in Kubernetes). CIDRs select
 * addresses, not nodes: see `touches`.
 */
export function selectsNode(s: Selector, node: ResolvedNode): boolean {
  if (s.nodes?.includes(node.name)) return true;
  return s.labels !== undefined && Object.entries(s.labels).every(([k, v]) => node.labels[k] === v);
}

/** Whether a rule side concerns the node: it names the node, or one of its CIDRs overlaps the node's prefixes. */
export function touches(side: ResolvedSide, node: ResolvedNode): boolean {
  if (side.nodes.has(node)) return true;
  if (side.cidrs.length === 0) return false;
  return [...node.tunnelPrefixes, ...node.subnets].some((p) => side.cidrs.some((c) => overlaps(c, p)));
}

function resolveSide(s: Selector, net: ResolvedNetwork): ResolvedSide {
  const cidrs = (s.cidrs ?? []).flatMap((t) => {
    const p = parsePrefix(t);
    return p.ok ? [p.prefix] : [];
  });
  return { selector: s, nodes: new Set(net.nodes.filter((n) => selectsNode(s, n))), cidrs };
}

/**
 * The side after one node changed (`before` → `after`, either may be absent):
 * the same object when membership and prefixes are unaffected, else a new one
 * that takes over the node set (the old side must no longer be used).
 */
export function updateSide(side: ResolvedSide, before?: ResolvedNode, after?: ResolvedNode): ResolvedSide {
  const was = before !== undefined && side.nodes.has(before);
  const is = after !== undefined && selectsNode(side.selector, after);
  if (!was && !is) return side;
  const nodes = side.nodes as Set<ResolvedNode>;
  if (was) nodes.delete(before!);
  if (is) nodes.add(after!);
  return { selector: side.selector, nodes, cidrs: side.cidrs };
}

/** Every rule of every policy of the network, in evaluation order (first match wins). */
export function resolveRules(net: ResolvedNetwork): ResolvedRule[] {
  const rules: ResolvedRule[] = [];
  // Equal selectors share one side: policies repeat `tier: branch` a lot, and
  // each side's node set and set-element text are then built once.
  const sides = new Map<string, ResolvedSide>();
  const side = (s: Selector) => {
    const key = JSON.stringify([
      s.nodes ?? null,
      s.labels ? Object.entries(s.labels).sort() : null,
      s.cidrs ?? null,
    ]);
    let r = sides.get(key);
    if (!r) {
      r = resolveSide(s, net);
      sides.set(key, r);
    }
    return r;
  };
  for (const p of net.accessPolicies) {
    p.spec.rules.forEach((rule, index) => {
      rules.push({
        policy: p.metadata.name,
        index,
        rule,
        from: side(rule.from),
        to: side(rule.to),
        allPorts: rule.ports === undefined || rule.ports.length === 0,
      });
    });
  }
  return rules;
}

/**
 * Whether all traffic from `a` to `b` is allowed. Rules apply per packet, first
 * match wins: a port-limited allow lets other ports fall through to later
 * rules; any deny on the way means not everything is allowed.
 */
export function allowsAllTraffic(
  rules: readonly ResolvedRule[],
  defaultAction: "allow" | "deny",
  a: ResolvedNode,
  b: ResolvedNode,
): boolean {
  for (const r of rules) {
    if (!r.from.nodes.has(a) || !r.to.nodes.has(b)) continue;
    if (r.rule.action === "deny") return false;
    if (r.allPorts) return true;
  }
  return defaultAction === "allow";
}
