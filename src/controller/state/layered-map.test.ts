import { describe, expect, it } from "vitest";
import { LayeredMap, MAX_LAYER } from "./layered-map.js";

/** Random sets and deletes on a LayeredMap chain and on plain Maps side by side. */
describe("LayeredMap", () => {
  it("reads like a copied Map through chains of writes, flattening included", () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    let plain = new Map<string, number>(Array.from({ length: 50 }, (_, i) => [`k${i}`, i]));
    let layered: ReadonlyMap<string, number> = plain;
    const older: Array<[ReadonlyMap<string, number>, Map<string, number>]> = [];
    for (let step = 0; step < 3 * MAX_LAYER; step++) {
      const nextPlain = new Map(plain);
      const nextLayered = new LayeredMap(layered);
      for (let j = 0; j < 3; j++) {
        const key = `k${random(80)}`;
        if (random(3) === 0) {
          expect(nextLayered.delete(key)).toBe(nextPlain.delete(key));
        } else {
          nextPlain.set(key, step);
          nextLayered.set(key, step);
        }
      }
      older.push([layered, plain]);
      plain = nextPlain;
      layered = nextLayered;
      expect(layered.size).toBe(plain.size);
      expect(new Map(layered)).toEqual(plain);
      for (let k = 0; k < 80; k++) {
        expect(layered.get(`k${k}`)).toBe(plain.get(`k${k}`));
        expect(layered.has(`k${k}`)).toBe(plain.has(`k${k}`));
      }
      expect([...layered.keys()].sort()).toEqual([...plain.keys()].sort());
      expect([...layered.values()].length).toBe(plain.size);
    }
    // Earlier maps never changed under later writes.
    for (const [l, p] of older) expect(new Map(l)).toEqual(p);
  });

  it("keeps a key's place when it is set again, and puts new keys last", () => {
    const m = new LayeredMap(
      new Map([
        ["a", 1],
        ["b", 2],
        ["c", 3],
      ]),
    );
    m.set("b", 20).set("d", 4);
    m.delete("a");
    expect([...m]).toEqual([
      ["b", 20],
      ["c", 3],
      ["d", 4],
    ]);
    const seen: string[] = [];
    m.forEach((v, k) => {
      seen.push(`${k}=${v}`);
    });
    expect(seen).toEqual(["b=20", "c=3", "d=4"]);
  });
});
