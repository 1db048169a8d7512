/**
 * A hub's fragments in node order and their concatenation into the arrays its
 * interfaces hand out. A change to one node patches the previous assembly
 * (binary search, array moves, one block rehashed) instead of walking every
 * node; a full assembly walks them once.
 */
import { createHash } from "node:crypto";
import type { PeerConfig, RouteConfig } from "../model/index.js";
import { type Fragment, fragmentOf, type NodeChange } from "./hub-fragments.js";
import type { NetworkPlan } from "./network-plan.js";
import type { ResolvedNode } from "./resolved.js";
import { lowerBoundByName } from "./sorted.js";

/** One hub's fragments in node order and their concatenation. */
export interface Assembly {
  readonly order: ResolvedNode[];
  readonly fragments: Fragment[];
  readonly peers: PeerConfig[];
  readonly spokeRoutes: RouteConfig[];
  readonly linkRoutes: RouteConfig[][];
  /**
   * Per fragment, how many items it adds to each array (0: peers, 1: spoke
   * routes, 2 + h: routes via hub h). Plain number arrays: summing a prefix of
   * them is the only O(n) step of a patch, and it must stay a tight loop.
   */
  readonly counts: number[][];
  /** Hash of each block of BLOCK fragments' digests; undefined: not computed since it changed. */
  readonly blockHashes: Array<string | undefined>;
}

/** Fragments and assemblies of every hub of one network; lives as long as the network's spec is unchanged. */
export class FragmentCache {
  private readonly fragments = new Map<string, WeakMap<ResolvedNode, Fragment>>();
  readonly assemblies = new Map<string, Assembly>();

  forHub(hub: string): WeakMap<ResolvedNode, Fragment> {
    let perHub = this.fragments.get(hub);
    if (!perHub) {
      perHub = new WeakMap();
      this.fragments.set(hub, perHub);
    }
    return perHub;
  }
}

/**
 * Fragments per hashed block. A hub's revision hashes block hashes, so a patch
 * rehashes one block (a node replaced) or the blocks from the change on (a
 * node added or removed shifts the rest) instead of every digest.
 */
const BLOCK = 256;

/** Block hashes after a patch at `index`: a replacement stales one block, an insert or removal all from there. */
function inPlaceBlocks(
  blocks: Array<string | undefined>,
  index: number,
  replaced: boolean,
): Array<string | undefined> {
  const first = Math.floor(index / BLOCK);
  if (replaced) blocks[first] = undefined;
  else blocks.length = first;
  return blocks;
}

/**
 * Concatenated block hashes: the part of a hub's revision that stands for all its fragments.
 * A block's hash is of its fragments' digests joined, read from the fragments themselves (a
 * concatenation of all 10,000 digests kept for slicing was copied whole on every patch).
 */
export function blocksDigest(a: Assembly): string {
  const count = Math.ceil(a.fragments.length / BLOCK);
  let out = "";
  for (let b = 0; b < count; b++) {
    let h = a.blockHashes[b];
    if (h === undefined) {
      let text = "";
      const end = Math.min(a.fragments.length, (b + 1) * BLOCK);
      for (let i = b * BLOCK; i < end; i++) text += a.fragments[i]!.digest;
      h = createHash("sha256").update(text).digest("base64");
      a.blockHashes[b] = h;
    }
    out += h;
  }
  return out;
}

export function assembleAll(plan: NetworkPlan, hub: ResolvedNode, cache: FragmentCache): Assembly {
  const a: Assembly = {
    order: [],
    fragments: [],
    peers: [],
    spokeRoutes: [],
    linkRoutes: plan.hubNames.map(() => []),
    counts: [[], [], ...plan.hubNames.map(() => [])],
    blockHashes: [],
  };
  const perHub = cache.forHub(hub.name);
  const hubCount = plan.hubNames.length;
  for (const n of plan.ready) {
    if (n === hub) continue;
    const f = fragmentOf(perHub, plan, hub, n);
    a.order.push(n);
    a.fragments.push(f);
    pushCounts(a.counts, f, hubCount);
    if (f.peer !== undefined) a.peers.push(f.peer);
    for (let i = 0; i < f.spokeRoutes.length; i++) a.spokeRoutes.push(f.spokeRoutes[i]!);
    for (let h = 0; h < hubCount; h++) {
      const routes = f.linkRoutes[h];
      if (routes === undefined) continue;
      const list = a.linkRoutes[h]!;
      for (let i = 0; i < routes.length; i++) list.push(routes[i]!);
    }
  }
  return a;
}

function countsOf(f: Fragment, hubCount: number): number[] {
  const out = [f.peer === undefined ? 0 : 1, f.spokeRoutes.length];
  for (let h = 0; h < hubCount; h++) out.push(f.linkRoutes[h]?.length ?? 0);
  return out;
}

function pushCounts(counts: number[][], f: Fragment, hubCount: number): void {
  const c = countsOf(f, hubCount);
  for (let k = 0; k < c.length; k++) counts[k]!.push(c[k]!);
}

/** Where fragment `index` starts in each concatenated array. */
function offsetsOf(counts: readonly number[][], index: number): number[] {
  return counts.map((list) => {
    let sum = 0;
    for (let i = 0; i < index; i++) sum += list[i]!;
    return sum;
  });
}

/** The previous assembly with one node's fragment swapped: O(log n) search, then array moves. */
export function patch(
  prev: Assembly,
  plan: NetworkPlan,
  hub: ResolvedNode,
  cache: FragmentCache,
  change: NodeChange,
): Assembly {
  const hubCount = plan.hubNames.length;
  const name = (change.after ?? change.before)!.name;
  const index = lowerBoundByName(prev.order, name);
  const present = prev.order[index]?.name === name;
  const removed = present ? prev.fragments[index] : undefined;
  const keep = change.after !== undefined && change.after.publicKey !== undefined && change.after !== hub;
  const added = keep ? fragmentOf(cache.forHub(hub.name), plan, hub, change.after!) : undefined;
  const drop = present ? 1 : 0;
  const at = offsetsOf(prev.counts, index);
  const before = removed ? countsOf(removed, hubCount) : new Array<number>(2 + hubCount).fill(0);
  const inPlace = <T>(list: T[], start: number, remove: number, insert: readonly T[]): T[] => {
    list.splice(start, remove, ...insert);
    return list;
  };
  const swap = <T>(list: readonly T[], start: number, remove: number, insert: readonly T[]): T[] => {
    const out = list.slice();
    out.splice(start, remove, ...insert);
    return out;
  };
  return {
    // order, fragments and counts are internal: patched in place. The rest are
    // handed out in states and must not change under their holders: copied.
    order: inPlace(prev.order, index, drop, added ? [change.after!] : []),
    fragments: inPlace(prev.fragments, index, drop, added ? [added] : []),
    peers: swap(prev.peers, at[0]!, before[0]!, added?.peer ? [added.peer] : []),
    spokeRoutes: swap(prev.spokeRoutes, at[1]!, before[1]!, added?.spokeRoutes ?? []),
    linkRoutes: prev.linkRoutes.map((l, h) =>
      swap(l, at[2 + h]!, before[2 + h]!, added?.linkRoutes[h] ?? []),
    ),
    counts: prev.counts.map((list, k) =>
      inPlace(list, index, drop, added ? [countsOf(added, hubCount)[k]!] : []),
    ),
    blockHashes: inPlaceBlocks(prev.blockHashes, index, drop === 1 && added !== undefined),
  };
}
