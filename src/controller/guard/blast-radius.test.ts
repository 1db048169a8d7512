import { describe, expect, it } from "vitest";
import { assess, DEFAULT_GUARD_POLICY, samePeerSet } from "./blast-radius.js";

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
});
