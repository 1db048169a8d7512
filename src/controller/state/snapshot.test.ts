import { expect, it } from "vitest";
import type { Resource } from "../../model/index.js";
import { buildIntent } from "../../testing/topology.js";
import { LayeredMap } from "./layered-map.js";
import { noteDerived } from "./lineage.js";
import { ROTATION_STATUS, rotationsIn } from "./rotation-grace.js";
import { resourceKey, Snapshot } from "./snapshot.js";

const rotating = (r: Resource, previous: string): Resource =>
  ({
    ...r,
    status: {
      [ROTATION_STATUS]: {
        previousPublicKey: previous,
        startedAt: "2026-12-07T00:00:00Z",
        graceUntil: "2026-12-08T00:00:00Z",
      },
    },
  }) as Resource;

it("advance finds the rotations from the changed keys, as a walk over every resource would", () => {
  const { resources } = buildIntent({ spokes: 6, hubs: 2 });
  let snap = Snapshot.build(1, resources);
  const steps: Array<(m: LayeredMap<Resource>) => string[]> = [
    // A rotation starts on spoke-1, then on spoke-2; spoke-1's ends; spoke-2 is deleted.
    (m) => {
      const k = resourceKey("Node", "spoke-1");
      m.set(k, rotating(m.get(k)!, "b2xk".padEnd(44, "A")));
      return [k];
    },
    (m) => {
      const k = resourceKey("Node", "spoke-2");
      m.set(k, rotating(m.get(k)!, "b2xk".padEnd(43, "B") + "="));
      return [k];
    },
    (m) => {
      const k = resourceKey("Node", "spoke-1");
      const { status: _status, ...rest } = m.get(k)!;
      m.set(k, rest as Resource);
      return [k];
    },
    (m) => {
      const k = resourceKey("Node", "spoke-2");
      m.delete(k);
      return [k];
    },
  ];
  const seen: string[][] = [];
  for (const step of steps) {
    const next = new LayeredMap(snap.resources);
    noteDerived(next, snap.resources, step(next));
    snap = Snapshot.advance(snap, snap.revision + 1, next);
    expect(snap.rotations).toEqual(rotationsIn(next.values()));
    seen.push([...snap.rotations.keys()]);
  }
  expect(seen).toEqual([["spoke-1"], ["spoke-1", "spoke-2"], ["spoke-2"], []]);
});
