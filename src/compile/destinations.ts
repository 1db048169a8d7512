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
import type { ResolvedRule } from "./selectors.js";

export interface DestinationSet {
  readonly prefixes: readonly string[];
  readonly index: ReadonlySet<string>;
}

export class DestinationClasses {
  private readonly cache = new Map<string, DestinationSet>();
  private readonly everything: Prefix[];
  private readonly hubAddresses: Prefix[];

  constructor(
    private readonly net: ResolvedNetwork,
    private readonly rules: readonly ResolvedRule[],
  ) {
    this.hubAddresses = net.hubs.flatMap((h) => h.tunnelPrefixes);
    this.everything = [net.cidr, ...(net.cidr6 ? [net.cidr6] : [])];
    for (const n of net.nodes) this.everything.push(...n.subnets);
    for (const r of rules)
      if (r.rule.action === "allow") this.everything.push(...r.from.cidrs, ...r.to.cidrs);
  }

  /** Every prefix of the network: overlays, all site subnets, all rule CIDRs. Summarised. */
  all(): DestinationSet {
    return this.memo("*", () => this.everything);
  }

  /** The destination set of one node (shared with every node matching the same rule sides). */
  of(node: ResolvedNode): DestinationSet {
    if (this.net.spec.defaultAction === "allow") return this.all();
    const sides: number[] = [];
    this.rules.forEach((r, i) => {
      if (r.rule.action !== "allow") return;
      if (r.from.nodes.has(node)) sides.push(2 * i);
      if (r.to.nodes.has(node)) sides.push(2 * i + 1);
    });
    return this.memo(sides.join(","), () => {
      const prefixes = [...this.hubAddresses];
      for (const side of sides) {
        const r = this.rules[side >> 1]!;
        prefixes.push(...(side % 2 === 0 ? r.to.prefixes : r.from.prefixes));
      }
      return prefixes;
    });
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
