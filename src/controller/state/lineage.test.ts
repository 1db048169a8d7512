import { describe, expect, it } from "vitest";
import type { Resource } from "../../model/index.js";
import { changedSince, lineageId, noteDerived } from "./lineage.js";

describe("intent lineage", () => {
  it("links the last writes however long the chain, and says nothing of maps it does not know", () => {
    const maps: ReadonlyMap<string, Resource>[] = [new Map()];
    for (let i = 1; i <= 200; i++) {
      const next = new Map(maps[i - 1]!);
      noteDerived(next, maps[i - 1]!, [`Node/n${i}`]);
      maps.push(next);
    }
    for (const back of [0, 1, 2, 5]) {
      expect(changedSince(maps[200]!, lineageId(maps[200 - back]!))).toEqual(
        Array.from({ length: back }, (_, k) => `Node/n${200 - k}`),
      );
    }
    expect(changedSince(maps[200]!, lineageId(maps[0]!))).toBeUndefined();
    expect(changedSince(new Map(), lineageId(maps[199]!))).toBeUndefined();
  });
});
