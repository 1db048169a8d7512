import { describe, expect, it } from "vitest";
import type { DesiredState } from "../../model/index.js";
import { NodeRevisions, WAKE_SLICE } from "./node-revisions.js";

const state = (node: string, revision: string) => ({ node, revision }) as unknown as DesiredState;
const states = (entries: Record<string, string>) =>
  new Map(Object.entries(entries).map(([n, r]) => [n, state(n, r)]));

describe("NodeRevisions", () => {
  it("reports and wakes exactly the nodes whose revision changed", async () => {
    const revs = new NodeRevisions();
    expect(revs.update(states({ a: "1", b: "1", c: "1" }), undefined, 10)).toEqual(["a", "b", "c"]);
    const a = revs.wait("a", 5_000);
    const b = revs.wait("b", 50);
    expect(revs.waiting).toBe(2);
    expect(revs.update(states({ a: "2", b: "1" }), undefined, 20)).toEqual(["a", "c"]);
    expect(await a).toBe("changed");
    expect(await b).toBe("timeout");
    expect(revs.waiting).toBe(0);
    expect(revs.get("a")).toMatchObject({ revision: "2", since: 20 });
    expect(revs.get("c")).toBeUndefined();
  });

  it("looks only at the nodes a commit names", () => {
    const revs = new NodeRevisions();
    revs.update(states({ a: "1", b: "1" }), undefined, 0);
    // b changed too, but the commit said only a: b is left as it was (the commit is the authority).
    expect(revs.update(states({ a: "2", b: "2" }), ["a"], 1)).toEqual(["a"]);
    expect(revs.get("b")?.revision).toBe("1");
  });

  it("ends a wait when its signal aborts", async () => {
    const revs = new NodeRevisions();
    const ac = new AbortController();
    const w = revs.wait("a", 5_000, ac.signal);
    ac.abort();
    expect(await w).toBe("aborted");
    expect(revs.waiting).toBe(0);
    expect(await revs.wait("a", 5_000, ac.signal)).toBe("aborted");
  });

  it("wakes a large change in slices, one turn of the event loop each, and every waiter in the end", async () => {
    const revs = new NodeRevisions();
    const n = 3 * WAKE_SLICE + 7;
    const names = Array.from({ length: n }, (_, i) => `n${i}`);
    revs.update(states(Object.fromEntries(names.map((x) => [x, "1"]))), undefined, 0);
    const woken: string[] = [];
    const waits = names.map((x) => revs.wait(x, 10_000).then((r) => woken.push(`${x}:${r}`)));
    revs.update(states(Object.fromEntries(names.map((x) => [x, "2"]))), undefined, 1);
    // Promise callbacks of the first slice run before any other turn of the loop; the rest wait.
    await Promise.resolve();
    await Promise.resolve();
    expect(woken).toHaveLength(WAKE_SLICE);
    await new Promise((r) => setImmediate(r));
    expect(woken.length).toBeGreaterThan(WAKE_SLICE);
    expect(woken.length).toBeLessThan(n);
    await Promise.all(waits);
    expect(woken).toHaveLength(n);
    expect(woken.every((w) => w.endsWith(":changed"))).toBe(true);
    expect(revs.waiting).toBe(0);
  });
});
