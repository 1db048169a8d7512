/**
 * What each spoke routes into the overlay. A spoke gets routes only to what
 * some rule could let it talk to (either direction, since replies need a route
 * too) — or to everything when the network's default is allow. Hubs enforce
 * the exact rules; this only keeps spokes from routing what they never reach.
 *
 * Spokes matching the same rule sides share one computed, summarised set, so
 * 10,000 branches with the same labels cost one set, not 10,000.
 */
import { formatPrefix, type Prefix, summarize } from "../netaddr/index.js";
import type { ResolvedNetwork, ResolvedNode } from "./resolved.js";
import { type ResolvedRule, sidePrefixes, touches } from "./selectors.js";

export interface DestinationSet {
  readonly prefixes: readonly string[];
  readonly index: ReadonlySet<string>;
}

export class DestinationClasses {
  private readonly cache = new Map<string, DestinationSet>();
  /** Which class key each node was last given, for finding the nodes a change affects. */
  private keyOf = new Map<string, string>();
  private readonly hubAddresses: Prefix[];

  constructor(
    private readonly net: ResolvedNetwork,
    private readonly rules: readonly ResolvedRule[],
  ) {
    this.hubAddresses = net.hubs.flatMap((h) => h.tunnelPrefixes);
  }

  /** Every prefix of the network: overlays, all site subnets, all rule CIDRs. Summarised; built only on a miss. */
  all(): DestinationSet {
    return this.memo("*", () => {
      const everything = [this.net.cidr, ...(this.net.cidr6 ? [this.net.cidr6] : [])];
      for (const n of this.net.nodes) everything.push(...n.subnets);
      for (const r of this.rules)
        if (r.rule.action === "allow") everything.push(...r.from.cidrs, ...r.to.cidrs);
      return everything;
    });
  }

  /** The destination set of one node (shared with every node matching the same rule sides). */
  of(node: ResolvedNode): DestinationSet {
    if (this.net.spec.defaultAction === "allow") {
      this.keyOf.set(node.name, "*");
      return this.all();
    }
    const sides: number[] = [];
    this.rules.forEach((r, i) => {
      if (r.rule.action !== "allow") return;
      // A node behind a rule's CIDR needs a route back to the other side too (replies).
      if (touches(r.from, node)) sides.push(2 * i);
      if (touches(r.to, node)) sides.push(2 * i + 1);
    });
    const key = sides.join(",");
    this.keyOf.set(node.name, key);
    return this.memo(key, () => {
      const prefixes = [...this.hubAddresses];
      for (const side of sides) {
        const r = this.rules[side >> 1]!;
        prefixes.push(...sidePrefixes(side % 2 === 0 ? r.to : r.from));
      }
      return prefixes;
    });
  }

  /**
   * The classes for a network where the rule sides in `changedSides` (indices
   * 2i = rule i's from-side, 2i+1 = its to-side) now hold other prefixes, and
   * `ownChanged` says whether any node's prefixes changed. Unaffected classes
   * are kept; `affected` receives the names of nodes whose class was dropped.
   */
  rebase(
    net: ResolvedNetwork,
    rules: readonly ResolvedRule[],
    changedSides: ReadonlySet<number>,
    ownChanged: boolean,
    affected: Set<string>,
  ): DestinationClasses {
    const next = new DestinationClasses(net, rules);
    const dropped = new Set<string>();
    for (const [key, set] of this.cache) {
      // A class uses the opposite side of each side it is in: 2i → to (2i+1), 2i+1 → from (2i).
      const stale =
        key === "*" ? ownChanged : key !== "" && key.split(",").some((k) => changedSides.has(Number(k) ^ 1));
      if (stale) dropped.add(key);
      else next.cache.set(key, set);
    }
    // The map moves to the new instance (this one is discarded): copying 10,000 entries per update costs more than the update.
    next.keyOf = this.keyOf;
    if (dropped.size > 0) for (const [name, key] of this.keyOf) if (dropped.has(key)) affected.add(name);
    return next;
  }

  private memo(key: string, build: () => Prefix[]): DestinationSet {
    let set = this.cache.get(key);
    if (!set) {
      const prefixes = summarize(build()).map(formatPrefix);
      set = { prefixes, index: new Set(prefixes) };
      this.cache.set(key, set);
    }
    return set;
  }
}

/**
 * The set without the node's own exact prefixes: a route to your own LAN into
 * the tunnel would shadow the LAN. A summary that merely contains them is
 * fine, the LAN's connected route is more specific.
 */
export function withoutOwn(set: DestinationSet, node: ResolvedNode): readonly string[] {
  const own = node.ownPrefixes.filter((p) => set.index.has(p));
  if (own.length === 0) return set.prefixes;
  const drop = new Set(own);
  return set.prefixes.filter((p) => !drop.has(p));
}
