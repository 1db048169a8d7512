/**
 * Patches of compiled states (model/desired-state-patch.ts): for the states of real intents under
 * any sequence of changes, a patch gives exactly the next state; and it is refused where it does
 * not apply.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  applyDesiredStatePatch,
  type DesiredState,
  DesiredStateRefused,
  diffDesiredStates,
  type Node,
  parseDesiredStateAnswer,
} from "../model/index.js";
import { buildIntent, spokeNode } from "../testing/topology.js";
import { compile } from "./compile.js";
import type { Intent } from "./intent.js";

function states(intent: Intent): ReadonlyMap<string, DesiredState> {
  const result = compile(intent);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.states;
}

/** The patch, through its JSON text and the agent's parse, gives `next` (arrays in order). */
function roundTrip(base: DesiredState, next: DesiredState): DesiredState {
  const text = JSON.stringify(diffDesiredStates(base, next));
  const got = parseDesiredStateAnswer(text, base);
  expect(got).toStrictEqual(next);
  return got;
}

const withNode = (intent: Intent, node: Node): Intent => ({
  ...intent,
  nodes: intent.nodes.some((n) => n.metadata.name === node.metadata.name)
    ? intent.nodes.map((n) => (n.metadata.name === node.metadata.name ? node : n))
    : [...intent.nodes, node],
});

describe("patches of compiled states", () => {
  it("turn every node's compiled state into the next one under any sequence of changes", () => {
    const change = fc.oneof(
      fc.record({ op: fc.constant("move" as const), spoke: fc.nat(15), variant: fc.nat(2) }),
      fc.record({ op: fc.constant("add" as const), spoke: fc.integer({ min: 16, max: 24 }) }),
      fc.record({ op: fc.constant("remove" as const), spoke: fc.nat(24) }),
      fc.record({ op: fc.constant("keepalive" as const), seconds: fc.integer({ min: 0, max: 60 }) }),
    );
    fc.assert(
      fc.property(
        fc.constantFrom("deny" as const, "allow" as const),
        fc.array(change, { minLength: 1, maxLength: 6 }),
        (defaultAction, changes) => {
          let intent = buildIntent({ spokes: 16, hubs: 2, defaultAction }).intent;
          let before = states(intent);
          for (const c of changes) {
            if (c.op === "remove")
              intent = {
                ...intent,
                nodes: intent.nodes.filter((n) => n.metadata.name !== `spoke-${c.spoke}`),
              };
            else if (c.op === "keepalive")
              intent = {
                ...intent,
                networks: intent.networks.map((n) => ({
                  ...n,
                  spec: { ...n.spec, persistentKeepalive: c.seconds },
                })),
              };
            else intent = withNode(intent, spokeNode(c.spoke, 2, c.op === "move" ? c.variant : 0));
            const after = states(intent);
            for (const [node, next] of after) {
              const base = before.get(node);
              if (base) roundTrip(base, next);
            }
            before = after;
          }
        },
      ),
      { numRuns: 30 },
    );
  });

  it("carry a one-spoke change of a big hub in a small fraction of the hub's state", () => {
    const { intent } = buildIntent({ spokes: 1000, hubs: 2 });
    const before = states(intent).get("hub-0")!;
    const after = states(withNode(intent, spokeNode(10, 2, 1))).get("hub-0")!;
    expect(after.revision).not.toBe(before.revision);
    const patch = JSON.stringify(diffDesiredStates(before, after));
    expect(patch.length * 50).toBeLessThan(JSON.stringify(after).length);
    roundTrip(before, after);
  });

  it("are the same whether the scripts' parts are known (compiled) or not (read back)", () => {
    const { intent } = buildIntent({ spokes: 40, hubs: 2 });
    const before = states(intent);
    const after = states(withNode(intent, spokeNode(7, 2, 2)));
    for (const hub of ["hub-0", "hub-1"]) {
      const base = before.get(hub)!;
      const next = after.get(hub)!;
      // Copies made from JSON carry no record of how their scripts were built.
      const stored = (s: DesiredState) => JSON.parse(JSON.stringify(s)) as DesiredState;
      const compiled = diffDesiredStates(base, next);
      const read = diffDesiredStates(stored(base), stored(next));
      // The bodies' splices, shifted past the head, are the splices of the whole texts.
      expect(compiled.firewall).toStrictEqual(read.firewall);
      expect(roundTrip(base, next)).toStrictEqual(roundTrip(stored(base), stored(next)));
      expect(parseDesiredStateAnswer(JSON.stringify(read), base)).toStrictEqual(next);
    }
  });

  it("are refused when they do not apply to the state the agent has", () => {
    const { intent } = buildIntent({ spokes: 20, hubs: 2 });
    const before = states(intent).get("hub-0")!;
    const after = states(withNode(intent, spokeNode(3, 2, 1))).get("hub-0")!;
    const patch = diffDesiredStates(before, after);
    const other = { ...before, revision: "some-other" };
    expect(() => applyDesiredStatePatch(other, patch)).toThrow(
      /applies to revision .*, this agent has some-other/,
    );
    expect(() => parseDesiredStateAnswer(JSON.stringify(patch), undefined)).toThrow(DesiredStateRefused);
    const short = {
      ...before,
      interfaces: before.interfaces.map((i) => ({ ...i, peers: i.peers.slice(0, 2) })),
    };
    expect(() => applyDesiredStatePatch(short, patch)).toThrow(
      /peers: splice at \d+ is out of order or range/,
    );
    const bad = { ...patch, interfaces: [{ whole: { name: "x" } }] };
    expect(() => parseDesiredStateAnswer(JSON.stringify(bad), before)).toThrow(
      /desired state patch refused: interfaces/,
    );
  });
});
