/** Patches of arbitrary lists and texts give exactly the target; peers compare on every field. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { PeerConfig, RouteConfig } from "./desired-state.js";
import { listSplices, samePeer, sameRoute, textSplices } from "./desired-state-patch.js";

describe("desired-state patches", () => {
  it("splice any list into any other, whatever the keys", () => {
    const item = fc.record({ k: fc.integer({ min: 0, max: 9 }), v: fc.integer({ min: 0, max: 2 }) });
    fc.assert(
      fc.property(fc.array(item, { maxLength: 30 }), fc.array(item, { maxLength: 30 }), (a, b) => {
        const splices = listSplices(
          a,
          b,
          (x) => String(x.k),
          (x, y) => x.k === y.k && x.v === y.v,
        );
        const out: typeof a = [];
        let at = 0;
        for (const [from, del, insert] of splices) {
          out.push(...a.slice(at, from), ...insert);
          at = from + del;
        }
        out.push(...a.slice(at));
        expect(out).toEqual(b);
      }),
    );
  });

  it("stay small for one replaced item and for a long insertion or removal", () => {
    const list = Array.from({ length: 1000 }, (_, i) => ({ k: `r${i}` }));
    const splice = (a: typeof list, b: typeof list) =>
      listSplices(
        a,
        b,
        (x) => x.k,
        (x, y) => x.k === y.k,
      );
    const moved = list.map((x, i) => (i === 500 ? { k: "elsewhere" } : x));
    expect(splice(list, moved)).toEqual([[500, 1, [{ k: "elsewhere" }]]]);
    const added = Array.from({ length: 50 }, (_, i) => ({ k: `new${i}` }));
    const grown = [...list.slice(0, 300), ...added, ...list.slice(300)];
    const inserted = splice(list, grown);
    // A few items replaced blindly before the key maps align the rest: the patch stays near 50.
    expect(inserted.reduce((n, [, del, ins]) => n + del + ins.length, 0)).toBeLessThan(50 + 2 * 8 + 1);
    const shrunk = splice(grown, list);
    expect(shrunk.reduce((n, [, del, ins]) => n + del + ins.length, 0)).toBeLessThan(50 + 2 * 8 + 1);
  });

  // Short lines of few letters, so that texts share heads, tails and whole lines.
  const text = fc
    .array(fc.constantFrom("a", "b", "\n", "set { x, y }"), { maxLength: 30 })
    .map((parts) => parts.join(""));

  it("splice text line by line, or whole when the line count changes", () => {
    fc.assert(
      fc.property(text, text, (a, b) => {
        let out = "";
        let at = 0;
        for (const [from, del, insert] of textSplices(a, b)) {
          out += a.slice(at, from) + insert.join("");
          at = from + del;
        }
        expect(out + a.slice(at)).toBe(b);
      }),
    );
  });

  it("compare every field of a peer", () => {
    // Required<>: a field added to PeerConfig fails to compile here until it is listed, and the
    // loop below then checks that samePeer sees it change.
    const peer: Required<PeerConfig> = {
      name: "a",
      publicKey: "k",
      endpoint: "192.0.2.1:1",
      allowedIPs: ["10.0.0.1/32"],
      persistentKeepalive: 25,
      presharedKeyRef: "r",
      override: "o",
    };
    for (const [k, v] of Object.entries(peer)) {
      const changed = {
        ...peer,
        [k]: Array.isArray(v) ? ["10.0.0.2/32"] : typeof v === "number" ? 26 : `${v}x`,
      };
      expect(samePeer(peer, changed), k).toBe(false);
    }
    expect(samePeer(peer, { ...peer, allowedIPs: [...peer.allowedIPs] })).toBe(true);
  });

  it("compare every field of a route", () => {
    const route: Required<RouteConfig> = { prefix: "10.0.0.0/24", metric: 100 };
    expect(sameRoute(route, { ...route })).toBe(true);
    expect(sameRoute(route, { ...route, prefix: "10.0.1.0/24" })).toBe(false);
    expect(sameRoute(route, { ...route, metric: 200 })).toBe(false);
  });
});
