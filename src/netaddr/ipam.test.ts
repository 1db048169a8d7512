import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { allocateAddresses, allocateFromPools, PoolExhaustedError, usableRange } from "./ipam.js";
import { containsAddress, formatIp, type Prefix, prefixEnd } from "./prefix.js";
import { p } from "./testing/parse.js";

const NONE: ReadonlySet<bigint> = new Set();
const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,14}$/);
const names = (maxLength: number) => fc.uniqueArray(name, { maxLength });

/** Small pools so that slots are contested and probing wraps: /25 to /28, anywhere in 10.0.0.0/16. */
const smallPool: fc.Arbitrary<Prefix> = fc
  .tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 25, max: 28 }))
  .map(([offset, length]) => {
    const size = 1 << (32 - length);
    return { family: 4 as const, start: (10n << 24n) + BigInt(offset - (offset % size)), length };
  });

function usableCount(pool: Prefix): number {
  const { first, last } = usableRange(pool);
  return Math.max(0, Number(last - first + 1n));
}

/** Some addresses of the pool (network, broadcast and usable ones) plus one outside, as `taken`. */
function takenIn(pool: Prefix): fc.Arbitrary<Set<bigint>> {
  const end = prefixEnd(pool);
  return fc
    .uniqueArray(fc.bigInt({ min: pool.start, max: end + 1n }), { maxLength: 8 })
    .map((list) => new Set(list));
}

const poolWithTaken = smallPool.chain((pool) => fc.tuple(fc.constant(pool), takenIn(pool)));

function values(map: Map<string, bigint>): bigint[] {
  return [...map.values()];
}

function inRange(pool: Prefix, a: bigint): boolean {
  const { first, last } = usableRange(pool);
  return a >= first && a <= last;
}

/** Whether `count` names fit next to the usable addresses in `taken`. */
function fits(pool: Prefix, count: number, taken: ReadonlySet<bigint>): boolean {
  return count <= usableCount(pool) - [...taken].filter((a) => inRange(pool, a)).length;
}

describe("usableRange", () => {
  it.each([
    ["10.0.0.0/24", "10.0.0.1", "10.0.0.254"],
    ["10.0.0.0/30", "10.0.0.1", "10.0.0.2"],
    ["10.100.0.0/16", "10.100.0.1", "10.100.255.254"],
  ])("%s: %s to %s", (pool, first, last) => {
    const range = usableRange(p(pool));
    expect(formatIp({ family: 4, value: range.first })).toBe(first);
    expect(formatIp({ family: 4, value: range.last })).toBe(last);
  });

  it("IPv6 has no broadcast: the last address is usable", () => {
    const range = usableRange(p("fd00::/126"));
    expect(formatIp({ family: 6, value: range.first })).toBe("fd00::1");
    expect(formatIp({ family: 6, value: range.last })).toBe("fd00::3");
  });

  it.each(["10.0.0.0/31", "10.0.0.1/32", "fd00::/127", "fd00::/128"])("%s is empty", (pool) => {
    const { first, last } = usableRange(p(pool));
    expect(last < first).toBe(true);
  });
});

describe("allocateAddresses", () => {
  it("gives every name a unique address inside the pool, never the network, broadcast or a taken one", () => {
    fc.assert(
      fc.property(poolWithTaken, names(40), ([pool, taken], list) => {
        fc.pre(fits(pool, list.length, taken));
        const result = allocateAddresses(pool, list, taken);
        expect([...result.keys()].sort()).toEqual([...list].sort());
        const got = values(result);
        expect(new Set(got).size).toBe(got.length);
        for (const a of got) {
          expect(containsAddress(pool, { family: 4, value: a })).toBe(true);
          expect(a).not.toBe(pool.start);
          expect(a).not.toBe(prefixEnd(pool));
          expect(taken.has(a)).toBe(false);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("is deterministic and independent of the order (and repetition) of names", () => {
    fc.assert(
      fc.property(
        poolWithTaken,
        names(30).chain((list) =>
          fc.tuple(fc.constant(list), fc.shuffledSubarray(list, { minLength: list.length })),
        ),
        ([pool, taken], [list, shuffled]) => {
          fc.pre(fits(pool, list.length, taken));
          const a = allocateAddresses(pool, list, taken);
          const b = allocateAddresses(pool, [...shuffled, ...shuffled.slice(0, 3)], new Set(taken));
          expect(new Map([...b].sort())).toEqual(new Map([...a].sort()));
          expect(allocateAddresses(pool, list, taken)).toEqual(a);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("pinning: adding names with the earlier results passed as taken leaves those results unchanged", () => {
    fc.assert(
      fc.property(poolWithTaken, names(40), fc.integer({ min: 0, max: 40 }), ([pool, taken], all, cut) => {
        const before = all.slice(0, cut);
        const added = all.slice(cut);
        fc.pre(fits(pool, all.length, taken));
        const first = allocateAddresses(pool, before, taken);
        // The controller writes `first` back into the nodes; from then on they are taken.
        const pinned = new Set([...taken, ...values(first)]);
        const second = allocateAddresses(pool, added, pinned);
        const combined = new Map([...first, ...second]);
        expect(combined.size).toBe(all.length);
        expect(new Set(values(combined)).size).toBe(all.length);
        for (const a of values(second)) expect(pinned.has(a)).toBe(false);
        // And the resolver's path (pinned nodes in `taken`, only new names asked for) is stable too:
        // asking again for the same new names gives the same answer.
        expect(allocateAddresses(pool, [...added].reverse(), pinned)).toEqual(second);
      }),
      { numRuns: 150 },
    );
  });

  it("without pinning, a name that got its preferred slot keeps it when other names are removed", () => {
    fc.assert(
      fc.property(
        poolWithTaken,
        names(40).chain((list) => fc.tuple(fc.constant(list), fc.subarray(list))),
        ([pool, taken], [all, subset]) => {
          fc.pre(fits(pool, all.length, taken));
          const full = allocateAddresses(pool, all, taken);
          const fewer = allocateAddresses(pool, subset, taken);
          for (const n of subset) {
            // Alone, a name always gets its preferred slot (unless `taken` holds it).
            const alone = allocateAddresses(pool, [n], taken).get(n);
            if (full.get(n) === alone) expect(fewer.get(n), n).toBe(alone);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it("throws PoolExhaustedError exactly when the names do not fit", () => {
    fc.assert(
      fc.property(poolWithTaken, fc.integer({ min: 0, max: 20 }), ([pool, taken], extra) => {
        const room = usableCount(pool) - [...taken].filter((a) => inRange(pool, a)).length;
        const fitting = Array.from({ length: room }, (_, i) => `n${i}`);
        expect(allocateAddresses(pool, fitting, taken).size).toBe(room);
        const tooMany = Array.from({ length: room + 1 + extra }, (_, i) => `n${i}`);
        expect(() => allocateAddresses(pool, tooMany, taken)).toThrow(PoolExhaustedError);
      }),
      { numRuns: 100 },
    );
  });

  it("reports the pool in PoolExhaustedError", () => {
    const pool = p("10.0.0.0/30");
    try {
      allocateAddresses(pool, ["a", "b", "c"], NONE);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(PoolExhaustedError);
      expect((error as PoolExhaustedError).pool).toEqual(pool);
    }
  });

  it("tiny pools: /30 has two usable addresses, /31 and /32 none", () => {
    const slash30 = p("192.0.2.4/30");
    const two = allocateAddresses(slash30, ["a", "b"], NONE);
    expect(new Set(values(two).map((v) => formatIp({ family: 4, value: v })))).toEqual(
      new Set(["192.0.2.5", "192.0.2.6"]),
    );
    expect(() => allocateAddresses(slash30, ["a", "b", "c"], NONE)).toThrow(PoolExhaustedError);
    for (const pool of ["192.0.2.4/31", "192.0.2.4/32", "fd00::/127", "fd00::/128"]) {
      expect(() => allocateAddresses(p(pool), ["a"], NONE), pool).toThrow(PoolExhaustedError);
      expect(allocateAddresses(p(pool), [], NONE).size, pool).toBe(0);
    }
  });

  it("a /30 with one usable address taken has room for exactly one", () => {
    const pool = p("192.0.2.4/30");
    const taken = new Set([pool.start + 1n]);
    expect(values(allocateAddresses(pool, ["x"], taken))).toEqual([pool.start + 2n]);
    expect(() => allocateAddresses(pool, ["x", "y"], taken)).toThrow(PoolExhaustedError);
  });

  it("empty name list: empty result, whatever the pool", () => {
    expect(allocateAddresses(p("10.0.0.0/24"), [], NONE).size).toBe(0);
  });

  it("IPv6 pools: unique, inside, never the network address; the last address is allowed", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("fd10:100::/64", "fd00::/120", "2001:db8::/125", "fd00::/126"),
        names(20),
        (text, list) => {
          const pool = p(text);
          fc.pre(fits(pool, list.length, NONE));
          const result = allocateAddresses(pool, list, NONE);
          const got = values(result);
          expect(result.size).toBe(list.length);
          expect(new Set(got).size).toBe(got.length);
          for (const a of got) {
            expect(containsAddress(pool, { family: 6, value: a })).toBe(true);
            expect(a).not.toBe(pool.start);
          }
        },
      ),
      { numRuns: 100 },
    );
    const full = allocateAddresses(p("fd00::/126"), ["a", "b", "c"], NONE);
    expect(new Set(values(full))).toEqual(new Set([1n, 2n, 3n].map((v) => (0xfd00n << 112n) + v)));
  });

  it("IPv6 /64: preferred slots spread over the whole pool, not just the bottom", () => {
    const pool = p("fd10:100::/64");
    const got = values(allocateAddresses(pool, ["a", "b", "c", "d", "e", "f", "g", "h"], NONE));
    expect(got.some((a) => a - pool.start > 1n << 32n)).toBe(true);
  });
});

describe("addresses people read as network or broadcast", () => {
  it("are never handed out in a pool wider than /24 (x.y.z.0, x.y.z.255)", () => {
    fc.assert(
      fc.property(names(60), fc.integer({ min: 16, max: 23 }), (list, length) => {
        const result = allocateAddresses(p(`10.96.0.0/${length}`), list, NONE);
        for (const [n, a] of result)
          expect([0n, 255n], `${n} ${formatIp({ family: 4, value: a })}`).not.toContain(a & 0xffn);
      }),
      { numRuns: 100 },
    );
  });

  it("a name whose preferred slot ends in .255 gets the next address instead", () => {
    // Among many names some prefer a .0/.255 slot of a /22; each lands on a host address.
    const list = Array.from({ length: 2000 }, (_, i) => `branch-${i}`);
    const got = values(allocateAddresses(p("10.100.0.0/22"), list.slice(0, 1000), NONE));
    expect(got.filter((a) => (a & 0xffn) === 0n || (a & 0xffn) === 255n)).toEqual([]);
    expect(new Set(got).size).toBe(1000);
    // A /22 has 1022 usable addresses, 6 of them ending in .0 or .255 inside it: 1016 fit, not 1017.
    expect(allocateAddresses(p("10.100.0.0/22"), list.slice(0, 1016), NONE).size).toBe(1016);
    expect(() => allocateAddresses(p("10.100.0.0/22"), list.slice(0, 1017), NONE)).toThrow(
      PoolExhaustedError,
    );
  });

  it("IPv6 keeps every address", () => {
    const pool = p("fd00::/126");
    expect(allocateAddresses(pool, ["a", "b", "c"], NONE).size).toBe(3);
  });
});

describe("allocateFromPools", () => {
  it("uses the first pool while it has room, then the next, one name at a time", () => {
    const first = p("192.0.2.4/30");
    const second = p("198.51.100.0/29");
    const two = allocateFromPools([first, second], ["a", "b"], NONE);
    expect(values(two).every((a) => containsAddress(first, { family: 4, value: a }))).toBe(true);
    const four = allocateFromPools([first, second], ["a", "b", "c", "d"], NONE);
    const where = [...four.values()].map((a) => (containsAddress(first, { family: 4, value: a }) ? 1 : 2));
    expect(where.sort()).toEqual([1, 1, 2, 2]);
    expect(new Set(values(four)).size).toBe(4);
    expect(() => allocateFromPools([first, p("192.0.2.8/30")], ["a", "b", "c", "d", "e"], NONE)).toThrow(
      PoolExhaustedError,
    );
  });
});
