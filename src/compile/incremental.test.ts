/**
 * The incremental compiler must give exactly what a full compile of the same
 * intent gives — for every node, byte for byte — whatever sequence of single
 * node changes it went through, and must refuse what a full compile refuses
 * without changing anything.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Node } from "../model/index.js";
import { buildIntent, spokeNode } from "../testing/topology.js";
import { renderJson } from "../wgconf/index.js";
import { compile } from "./compile.js";
import { IncrementalCompiler } from "./incremental.js";
import type { Intent } from "./intent.js";

function json(states: ReadonlyMap<string, { node: string }>): Map<string, string> {
  return new Map([...states].map(([n, s]) => [n, renderJson(s as Parameters<typeof renderJson>[0])]));
}

function withNode(intent: Intent, node: Node): Intent {
  const nodes = intent.nodes.some((n) => n.metadata.name === node.metadata.name)
    ? intent.nodes.map((n) => (n.metadata.name === node.metadata.name ? node : n))
    : [...intent.nodes, node];
  return { ...intent, nodes };
}

type Step =
  | { op: "move"; spoke: number; variant: number }
  | { op: "rehub"; spoke: number; rotate: number }
  | { op: "relabel"; spoke: number; tier: string }
  | { op: "add"; spoke: number }
  | { op: "remove"; spoke: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ op: fc.constant("move" as const), spoke: fc.nat(11), variant: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ op: fc.constant("rehub" as const), spoke: fc.nat(11), rotate: fc.nat(2) }),
  fc.record({
    op: fc.constant("relabel" as const),
    spoke: fc.nat(11),
    tier: fc.constantFrom("branch", "edge"),
  }),
  fc.record({ op: fc.constant("add" as const), spoke: fc.integer({ min: 12, max: 15 }) }),
  fc.record({ op: fc.constant("remove" as const), spoke: fc.nat(15) }),
);

describe("IncrementalCompiler", () => {
  for (const defaultAction of ["deny", "allow"] as const) {
    it(`equals a full compile after any sequence of single-node changes (default ${defaultAction})`, () => {
      fc.assert(
        fc.property(fc.array(step, { minLength: 1, maxLength: 8 }), (steps) => {
          let intent = buildIntent({ spokes: 12, hubs: 3, defaultAction }).intent;
          const inc = new IncrementalCompiler();
          expect(inc.compile(intent).ok).toBe(true);
          for (const s of steps) {
            const name = `spoke-${s.spoke}`;
            const current = intent.nodes.find((n) => n.metadata.name === name);
            let result: ReturnType<IncrementalCompiler["upsertNode"]>;
            if (s.op === "remove") {
              if (!current) continue;
              intent = { ...intent, nodes: intent.nodes.filter((n) => n !== current) };
              result = inc.removeNode(name);
            } else {
              let node = s.op === "add" || !current ? spokeNode(s.spoke, 3) : current;
              if (s.op === "move") node = spokeNode(s.spoke, 3, s.variant);
              if (s.op === "rehub") {
                const hubs = node.spec.hubs.map((_, i, a) => a[(i + s.rotate) % a.length]!);
                node = { ...node, spec: { ...node.spec, hubs } };
              }
              if (s.op === "relabel")
                node = { ...node, metadata: { ...node.metadata, labels: { tier: s.tier } } };
              intent = withNode(intent, node);
              result = inc.upsertNode(node);
            }
            const full = compile(intent);
            expect(result.ok).toBe(full.ok);
            if (!full.ok || !result.ok) continue;
            expect(json(result.states)).toEqual(json(full.states));
          }
        }),
        { numRuns: 40 },
      );
    });
  }

  it("takes the incremental path for a spoke with pinned addresses, and refuses a clash without changing anything", () => {
    const { intent } = buildIntent({ spokes: 50, hubs: 2 });
    const inc = new IncrementalCompiler();
    expect(inc.compile(intent).ok).toBe(true);
    const before = json(inc.currentStates);

    const moved = inc.upsertNode(spokeNode(7, 2, 1));
    expect(moved.ok && moved.incremental).toBe(true);

    const clash = {
      ...spokeNode(8, 2),
      spec: { ...spokeNode(8, 2).spec, subnets: spokeNode(9, 2).spec.subnets },
    };
    const refused = inc.upsertNode(clash);
    expect(refused.ok).toBe(false);
    if (!refused.ok)
      expect(refused.issues.map((i) => [i.code, i.name])).toContainEqual(["overlap", "spoke-8"]);

    const back = inc.upsertNode(spokeNode(7, 2));
    expect(back.ok).toBe(true);
    expect(json(inc.currentStates)).toEqual(before);
  });
});
