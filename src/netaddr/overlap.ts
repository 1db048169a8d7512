/**
 * Overlap detection and summarisation over many prefixes in O(n log n), so
 * validating 10,000 sites does not compare every pair.
 */
import { comparePrefixes, familyBits, type Prefix, prefixEnd } from "./prefix.js";

/** A prefix with whatever the caller needs to name it in an error. */
export interface Tagged<T> {
  readonly prefix: Prefix;
  readonly tag: T;
}

/**
 * Every pair `[earlier, later]` of overlapping prefixes, where `earlier` sorts
 * first. Each prefix is reported against the widest still-open prefix that
 * covers it, which is enough to name every conflict without a quadratic list.
 */
export function findOverlaps<T>(items: readonly Tagged<T>[]): Array<[Tagged<T>, Tagged<T>]> {
  const sorted = [...items].sort((a, b) => comparePrefixes(a.prefix, b.prefix));
  const found: Array<[Tagged<T>, Tagged<T>]> = [];
  let open: Tagged<T> | undefined;
  let openEnd = -1n;
  for (const item of sorted) {
    if (open && open.prefix.family === item.prefix.family && item.prefix.start <= openEnd) {
      found.push([open, item]);
      const end = prefixEnd(item.prefix);
      if (end > openEnd) {
        open = item;
        openEnd = end;
      }
    } else {
      open = item;
      openEnd = prefixEnd(item.prefix);
    }
  }
  return found;
}

/**
 * The smallest set of prefixes covering exactly the same addresses: contained
 * prefixes are dropped and sibling halves merged. Sorted.
 */
export function summarize(prefixes: readonly Prefix[]): Prefix[] {
  const sorted = [...prefixes].sort(comparePrefixes);
  const out: Prefix[] = [];
  for (const p of sorted) {
    const last = out[out.length - 1];
    if (last && last.family === p.family && p.start <= prefixEnd(last)) continue; // contained
    out.push(p);
    // Merge siblings upward while the top two are the two halves of one parent.
    while (out.length >= 2) {
      const b = out[out.length - 1]!;
      const a = out[out.length - 2]!;
      if (a.family !== b.family || a.length !== b.length || a.length === 0) break;
      const size = 1n << BigInt(familyBits(a.family) - a.length);
      if (a.start + size !== b.start || a.start % (size * 2n) !== 0n) break;
      out.splice(out.length - 2, 2, { family: a.family, start: a.start, length: a.length - 1 });
    }
  }
  return out;
}
