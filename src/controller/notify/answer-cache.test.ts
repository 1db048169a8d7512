import { describe, expect, it } from "vitest";
import type { DesiredState } from "../../model/index.js";
import { AnswerCache } from "./answer-cache.js";

const state = (node: string, revision: string, extra = "") =>
  ({ apiVersion: "hubwire/v1", kind: "NodeConfig", node, revision, extra }) as unknown as DesiredState;

describe("AnswerCache", () => {
  it("serialises a node's state once per revision and sends the JSON of that state", () => {
    const cache = new AnswerCache();
    const s1 = state("a", "r1");
    const body = cache.body(s1);
    expect(JSON.parse(body.toString("utf8"))).toEqual(s1);
    // Same revision: the same bytes, not serialised again (a different object of that revision).
    expect(cache.body(state("a", "r1", "not looked at"))).toBe(body);
    expect(cache.size).toBe(1);
    expect(cache.bytes).toBe(body.length);
  });

  it("keeps one body per node: a new revision replaces the old one", () => {
    const cache = new AnswerCache();
    cache.body(state("a", "r1"));
    const next = cache.body(state("a", "r2", "moved"));
    expect(JSON.parse(next.toString("utf8")).extra).toBe("moved");
    cache.body(state("b", "r1"));
    expect(cache.size).toBe(2);
    expect(cache.bytes).toBe(next.length + cache.body(state("b", "r1")).length);
  });

  it("drops the answers of nodes whose revision moved, and all of them on clear", () => {
    const cache = new AnswerCache();
    const a = cache.body(state("a", "r1"));
    cache.body(state("b", "r1"));
    cache.drop(["b", "unknown"]);
    expect(cache.size).toBe(1);
    expect(cache.bytes).toBe(a.length);
    expect(cache.body(state("a", "r1"))).toBe(a);
    cache.clear();
    expect(cache.size).toBe(0);
    expect(cache.bytes).toBe(0);
    expect(cache.body(state("a", "r1"))).not.toBe(a);
  });
});
