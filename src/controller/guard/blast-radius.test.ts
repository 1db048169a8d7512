import { describe, expect, it } from "vitest";
import { compile } from "../../compile/compile.js";
import type { DesiredState } from "../../model/index.js";
import { buildIntent, spokeNode } from "../../testing/topology.js";
import { assess, DEFAULT_GUARD_POLICY, peersOf, samePeerSet, samePeersInPlace } from "./blast-radius.js";

function hubState(nodes: ReturnType<typeof buildIntent>["intent"]["nodes"]): DesiredState {
  const { intent } = buildIntent({ spokes: 6, hubs: 1 });
  const result = compile({ ...intent, nodes });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.states.get("hub-0")!;
}

describe("blast radius", () => {
  it("knows when two peer sets are the same keys with the same names", () => {
    const a = { k1: "spoke-1", k2: "spoke-2" };
    expect(samePeerSet(a, { k2: "spoke-2", k1: "spoke-1" })).toBe(true);
    expect(samePeerSet(a, { k1: "spoke-1" })).toBe(false);
    expect(samePeerSet(a, { k1: "spoke-1", k2: "spoke-2", k3: "spoke-3" })).toBe(false);
    expect(samePeerSet(a, { k1: "spoke-1", k2: "renamed" })).toBe(false);
    expect(samePeerSet(a, { k1: "spoke-1", k9: "spoke-2" })).toBe(false);
    expect(samePeerSet({}, {})).toBe(true);
  });

  it("holds a state that removes more than half of at least three peers", () => {
    const before = { a: "a", b: "b", c: "c", d: "d", e: "e" };
    expect(assess(before, { a: "a", b: "b" }, DEFAULT_GUARD_POLICY)).toEqual({
      before: 5,
      removed: ["c", "d", "e"],
      held: true,
    });
    expect(assess(before, { a: "a", b: "b", c: "c" }, DEFAULT_GUARD_POLICY).held).toBe(false);
  });

  it("sees the same peers in place without building the sets, and is never wrong when it says so", () => {
    const { intent } = buildIntent({ spokes: 6, hubs: 1 });
    const before = hubState(intent.nodes);
    const spoke = spokeNode(2, 1);
    const moved = { ...spoke, spec: { ...spoke.spec, tunnelAddress: "10.0.200.2" } };
    const movedState = hubState(
      intent.nodes.map((n) => (n.metadata.name === spoke.metadata.name ? moved : n)),
    );
    const fewer = hubState(intent.nodes.filter((n) => n.metadata.name !== spoke.metadata.name));
    expect(samePeersInPlace(before, before)).toBe(true);
    // A spoke that moved its address changes its peer's allowed IPs, not the key or the name.
    expect(movedState.interfaces[0]!.peers).not.toStrictEqual(before.interfaces[0]!.peers);
    expect(samePeersInPlace(before, movedState)).toBe(true);
    expect(samePeerSet(peersOf(before), peersOf(movedState))).toBe(true);
    expect(samePeersInPlace(before, fewer)).toBe(false);
    // A renamed peer with the same key is not the same peer.
    const renamed: DesiredState = {
      ...before,
      interfaces: before.interfaces.map((i) => ({
        ...i,
        peers: i.peers.map((p, k) => (k === 0 ? { ...p, name: "other" } : p)),
      })),
    };
    expect(samePeersInPlace(before, renamed)).toBe(false);
  });
});
