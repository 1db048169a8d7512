/** The topology layout: no two drawn nodes overlap, spokes sit by their hub, groups above the threshold. */
import { describe, expect, it } from "vitest";
import { GROUP_ABOVE, groupId, layoutTopology, type Point } from "./topology-layout";

function minDistance(points: readonly Point[]): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < points.length; i++)
    for (let j = i + 1; j < points.length; j++)
      best = Math.min(best, Math.hypot(points[i]!.x - points[j]!.x, points[i]!.y - points[j]!.y));
  return best;
}

const spokes = (count: number, hubs: readonly string[]) =>
  Array.from({ length: count }, (_, i) => ({ name: `s-${i}`, hub: hubs[i % hubs.length] ?? null }));

describe("layoutTopology", () => {
  it.each([
    [1, 9],
    [2, 98],
    [3, 140],
  ])("%d hubs, %d spokes: every node placed, none closer than 40 px to another", (h, n) => {
    const hubs = Array.from({ length: h }, (_, i) => `hub-${i}`);
    const l = layoutTopology({ hubs, spokes: spokes(n, hubs), expanded: new Set() });
    expect(l.grouped).toBe(false);
    expect(l.positions.size).toBe(h + n);
    expect(minDistance([...l.positions.values()])).toBeGreaterThanOrEqual(40);
  });

  it("puts each spoke nearer its own hub than any other hub", () => {
    const hubs = ["hub-a", "hub-b", "hub-c"];
    const l = layoutTopology({ hubs, spokes: spokes(120, hubs), expanded: new Set() });
    for (const [i, s] of spokes(120, hubs).entries()) {
      const p = l.positions.get(s.name)!;
      const d = hubs.map((h) => Math.hypot(p.x - l.positions.get(h)!.x, p.y - l.positions.get(h)!.y));
      expect(d.indexOf(Math.min(...d)), s.name).toBe(i % 3);
    }
  });

  it(`groups each hub's spokes above ${GROUP_ABOVE} spokes; an expanded group is laid out without overlaps`, () => {
    const hubs = ["hub-a", "hub-b"];
    const list = spokes(998, hubs);
    const grouped = layoutTopology({ hubs, spokes: list, expanded: new Set() });
    expect(grouped.grouped).toBe(true);
    expect([...grouped.groups.values()].map((g) => g.count)).toEqual([499, 499]);
    expect([...grouped.positions.keys()].sort()).toEqual([
      groupId("hub-a"),
      groupId("hub-b"),
      "hub-a",
      "hub-b",
    ]);
    const open = layoutTopology({ hubs, spokes: list, expanded: new Set(["hub-a"]) });
    expect(open.positions.size).toBe(2 + 499 + 1);
    expect(minDistance([...open.positions.values()])).toBeGreaterThanOrEqual(40);
    const all = layoutTopology({ hubs, spokes: list, expanded: new Set(hubs) });
    expect(all.positions.size).toBe(1000);
    expect(minDistance([...all.positions.values()])).toBeGreaterThanOrEqual(40);
  });

  it("spokes with no hub get a cluster of their own", () => {
    const l = layoutTopology({ hubs: ["hub-a"], spokes: [{ name: "lone", hub: null }], expanded: new Set() });
    expect(l.positions.has("lone")).toBe(true);
    expect(minDistance([...l.positions.values()])).toBeGreaterThanOrEqual(40);
  });
});
