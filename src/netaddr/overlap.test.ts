import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { findOverlaps, summarize, type Tagged } from "./overlap.js";
import { comparePrefixes, formatPrefix, netmask, overlaps, type Prefix, prefixEnd } from "./prefix.js";
import { p } from "./testing/parse.js";

const texts = (prefixes: readonly Prefix[]) => prefixes.map(formatPrefix);
const sum = (...list: string[]) => texts(summarize(list.map(p)));

/** 10.0.0.0/20: small enough to check every address. */
const BASE = 10n << 24n;
const SPAN = 4096;

/**
 * A prefix inside 10.0.0.0/20, /20 to /32, biased to long prefixes and to the first 64 addresses so
 * that siblings and nesting are common.
 */
const smallPrefix: fc.Arbitrary<Prefix> = fc
  .tuple(
    fc.oneof(fc.integer({ min: 0, max: SPAN - 1 }), fc.integer({ min: 0, max: 63 })),
    fc.oneof(fc.integer({ min: 20, max: 32 }), fc.integer({ min: 28, max: 32 })),
  )
  .map(([offset, length]) => ({
    family: 4 as const,
    start: (BASE + BigInt(offset)) & netmask(4, length),
    length,
  }));

/** Which of the /20's addresses a set of prefixes covers, one flag per address. */
function coverage(prefixes: readonly Prefix[]): Uint8Array {
  const flags = new Uint8Array(SPAN);
  for (const q of prefixes) {
    const from = Number(q.start - BASE);
    const to = Number(prefixEnd(q) - BASE);
    if (from < 0 || to >= SPAN) throw new Error(`${formatPrefix(q)} is outside 10.0.0.0/20`);
    flags.fill(1, from, to + 1);
  }
  return flags;
}

describe("summarize", () => {
  it("merges sibling halves into their parent", () => {
    expect(sum("10.0.0.0/25", "10.0.0.128/25")).toEqual(["10.0.0.0/24"]);
    expect(sum("10.0.0.128/25", "10.0.0.0/25")).toEqual(["10.0.0.0/24"]);
    expect(sum("0.0.0.0/1", "128.0.0.0/1")).toEqual(["0.0.0.0/0"]);
    expect(sum("10.0.0.6/32", "10.0.0.7/32")).toEqual(["10.0.0.6/31"]);
  });

  it("merges repeatedly, up as far as the siblings go", () => {
    expect(sum("10.0.0.0/26", "10.0.0.64/26", "10.0.0.128/26", "10.0.0.192/26")).toEqual(["10.0.0.0/24"]);
    expect(sum("10.0.0.192/26", "10.0.0.128/25", "10.0.0.0/25")).toEqual(["10.0.0.0/24"]);
    expect(sum("10.0.0.0/25", "10.0.0.128/26", "10.0.0.192/27", "10.0.0.224/27")).toEqual(["10.0.0.0/24"]);
    expect(sum("10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24")).toEqual(["10.0.0.0/23", "10.0.2.0/24"]);
  });

  it("does not merge neighbours that are not siblings", () => {
    expect(sum("10.0.1.0/24", "10.0.2.0/24")).toEqual(["10.0.1.0/24", "10.0.2.0/24"]);
    expect(sum("10.0.0.128/25", "10.0.1.0/25")).toEqual(["10.0.0.128/25", "10.0.1.0/25"]);
    expect(sum("10.0.0.0/24", "10.0.1.0/25")).toEqual(["10.0.0.0/24", "10.0.1.0/25"]);
  });

  it("drops contained prefixes and duplicates", () => {
    expect(sum("10.0.0.0/8", "10.64.0.0/12", "10.64.7.0/24")).toEqual(["10.0.0.0/8"]);
    expect(sum("10.64.7.0/24", "10.0.0.0/8")).toEqual(["10.0.0.0/8"]);
    expect(sum("10.0.0.0/24", "10.0.0.0/24")).toEqual(["10.0.0.0/24"]);
    expect(sum("10.0.0.0/25", "10.0.0.0/26", "10.0.0.128/25")).toEqual(["10.0.0.0/24"]);
  });

  it("keeps families apart, IPv4 first, and merges within IPv6", () => {
    expect(sum("2001:db8::/33", "10.0.0.0/25", "2001:db8:8000::/33", "10.0.0.128/25")).toEqual([
      "10.0.0.0/24",
      "2001:db8::/32",
    ]);
    expect(sum("::/1", "0.0.0.0/1", "8000::/1", "128.0.0.0/1")).toEqual(["0.0.0.0/0", "::/0"]);
    // ::/96 and 0.0.0.0/0 hold the same integers but never merge or absorb each other.
    expect(sum("0.0.0.0/0", "::/96")).toEqual(["0.0.0.0/0", "::/96"]);
    expect(sum("::/96", "::1:0:0/96")).toEqual(["::/95"]);
  });

  it("returns nothing for nothing, and does not modify its input", () => {
    expect(summarize([])).toEqual([]);
    const input = ["10.0.0.128/25", "10.0.0.0/25"].map(p);
    const copy = structuredClone(input);
    summarize(input);
    expect(input).toEqual(copy);
  });

  it("covers exactly the same addresses, with the fewest disjoint sorted prefixes (property)", () => {
    fc.assert(
      fc.property(fc.array(smallPrefix, { maxLength: 24 }), (input) => {
        const out = summarize(input);
        const want = coverage(input);
        const got = coverage(out);
        const differs = want.findIndex((flag, i) => flag !== got[i]);
        expect(differs, `address 10.0.0.0 + ${differs} is covered differently`).toBe(-1);
        for (let i = 1; i < out.length; i++) {
          const a = out[i - 1]!;
          const b = out[i]!;
          expect(comparePrefixes(a, b)).toBeLessThan(0);
          expect(overlaps(a, b)).toBe(false);
          // Minimal: no two adjacent outputs are the halves of one parent.
          const siblings = a.length === b.length && (a.start ^ b.start) === 1n << BigInt(32 - a.length);
          expect(siblings, `${formatPrefix(a)} and ${formatPrefix(b)} should have merged`).toBe(false);
        }
        expect(out.length).toBeLessThanOrEqual(Math.max(input.length, 0));
        expect(texts(summarize(out))).toEqual(texts(out));
        expect(texts(summarize([...input].reverse()))).toEqual(texts(out));
      }),
      { numRuns: 200 },
    );
  });
});

describe("findOverlaps", () => {
  const tag = (text: string, name: string): Tagged<string> => ({ prefix: p(text), tag: name });
  const pairs = (items: Tagged<string>[]) => findOverlaps(items).map(([a, b]) => `${a.tag}>${b.tag}`);

  it("finds nothing among disjoint prefixes", () => {
    expect(pairs([tag("10.0.0.0/25", "a"), tag("10.0.0.128/25", "b"), tag("10.0.1.0/24", "c")])).toEqual([]);
    expect(pairs([])).toEqual([]);
    expect(pairs([tag("10.0.0.0/8", "a")])).toEqual([]);
  });

  it("reports a nested pair with the wider (earlier-sorting) prefix first", () => {
    expect(pairs([tag("10.64.7.0/24", "inner"), tag("10.0.0.0/8", "outer")])).toEqual(["outer>inner"]);
  });

  it("reports identical prefixes in input order", () => {
    expect(pairs([tag("10.0.0.0/24", "first"), tag("10.0.0.0/24", "second")])).toEqual(["first>second"]);
  });

  it("reports every prefix inside a wide one against it", () => {
    expect(
      pairs([
        tag("10.0.0.0/8", "wide"),
        tag("10.1.0.0/16", "x"),
        tag("10.1.2.0/24", "y"),
        tag("10.2.0.0/16", "z"),
      ]),
    ).toEqual(["wide>x", "wide>y", "wide>z"]);
  });

  it("keeps families apart", () => {
    expect(pairs([tag("0.0.0.0/0", "v4"), tag("::/96", "v6")])).toEqual([]);
    expect(pairs([tag("::/0", "all6"), tag("2001:db8::/32", "doc")])).toEqual(["all6>doc"]);
  });

  it("finds an overlap iff a pairwise check does, and names every overlapping prefix (property)", () => {
    fc.assert(
      fc.property(fc.array(smallPrefix, { maxLength: 16 }), (prefixes) => {
        const items = prefixes.map((prefix, i) => ({ prefix, tag: i }));
        const found = findOverlaps(items);
        const involved = new Set<number>();
        for (let i = 0; i < items.length; i++) {
          for (let j = i + 1; j < items.length; j++) {
            if (overlaps(items[i]!.prefix, items[j]!.prefix)) involved.add(i).add(j);
          }
        }
        expect(found.length > 0).toBe(involved.size > 0);
        const named = new Set<number>();
        for (const [a, b] of found) {
          expect(overlaps(a.prefix, b.prefix)).toBe(true);
          expect(a.tag).not.toBe(b.tag);
          expect(comparePrefixes(a.prefix, b.prefix)).toBeLessThanOrEqual(0);
          named.add(a.tag).add(b.tag);
        }
        expect([...named].sort()).toEqual([...involved].sort());
      }),
      { numRuns: 200 },
    );
  });
});
