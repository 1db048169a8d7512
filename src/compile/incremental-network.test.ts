/**
 * A Network change the incremental compiler patches (network-fields.ts) must give exactly what a
 * full compile of the same intent gives, interleaved with single-node changes, on both topologies
 * and default actions, with node-level keepalives and peer overrides in play; every other network
 * change must take the full path and still agree.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Network, Node, PeerOverride } from "../model/index.js";
import { networkSpec } from "../model/resources.js";
import { buildIntent, spokeNode } from "../testing/topology.js";
import { renderJson } from "../wgconf/index.js";
import { compile } from "./compile.js";
import { IncrementalCompiler } from "./incremental.js";
import type { Intent } from "./intent.js";
import { PATCHABLE_NETWORK_FIELDS, STRUCTURAL_NETWORK_FIELDS } from "./network-fields.js";

function json(states: ReadonlyMap<string, { node: string }>): Map<string, string> {
  return new Map([...states].map(([n, s]) => [n, renderJson(s as Parameters<typeof renderJson>[0])]));
}

const SPOKES = 10;
const HUBS = 2;

/** Spoke `i` as the tests vary it: even spokes reachable (mesh peers need one side with an endpoint). */
function spoke(i: number, keepalive?: number): Node {
  const base = spokeNode(i, HUBS);
  return {
    ...base,
    spec: {
      ...base.spec,
      ...(i % 2 === 0 ? { endpoint: `198.51.100.${i + 1}:51820` } : {}),
      ...(keepalive === undefined ? {} : { persistentKeepalive: keepalive }),
    },
  };
}

function startIntent(topology: "mesh" | "hub-and-spoke", defaultAction: "allow" | "deny"): Intent {
  const { intent } = buildIntent({ spokes: SPOKES, hubs: HUBS, defaultAction });
  const network = intent.networks[0]!;
  const override: PeerOverride = {
    apiVersion: "hubwire/v1",
    kind: "PeerOverride",
    metadata: { name: "slow-link" },
    spec: { network: "wan", peer: "hub-0", nodes: ["spoke-3"], persistentKeepalive: 7 },
  };
  return {
    ...intent,
    networks: [{ ...network, spec: { ...network.spec, topology } }],
    nodes: intent.nodes.map((n) => (n.spec.role === "hub" ? n : spoke(Number(n.metadata.name.slice(6))))),
    peerOverrides: [override],
  };
}

type Step =
  | { op: "mtu"; value: number }
  | { op: "keepalive"; value: number }
  | { op: "description"; value: string }
  | { op: "node-keepalive"; spoke: number; value: number | undefined }
  | { op: "remove"; spoke: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ op: fc.constant("mtu" as const), value: fc.constantFrom(1280, 1420, 1500, 9000) }),
  fc.record({ op: fc.constant("keepalive" as const), value: fc.constantFrom(0, 15, 25, 60) }),
  fc.record({ op: fc.constant("description" as const), value: fc.constantFrom("a", "b") }),
  fc.record({
    op: fc.constant("node-keepalive" as const),
    spoke: fc.nat(SPOKES - 1),
    value: fc.constantFrom(undefined, 0, 10),
  }),
  fc.record({ op: fc.constant("remove" as const), spoke: fc.nat(SPOKES - 1) }),
);

describe("IncrementalCompiler.upsertNetwork", () => {
  it("classifies every field of a Network's spec as patchable or structural, not both", () => {
    const fields = Object.keys(networkSpec.shape).sort();
    const classified = [...PATCHABLE_NETWORK_FIELDS, ...STRUCTURAL_NETWORK_FIELDS].sort();
    expect(classified).toEqual(fields);
  });

  for (const topology of ["hub-and-spoke", "mesh"] as const) {
    for (const defaultAction of ["deny", "allow"] as const) {
      it(`equals a full compile after MTU, keepalive and node changes (${topology}, default ${defaultAction})`, () => {
        fc.assert(
          fc.property(fc.array(step, { minLength: 1, maxLength: 8 }), (steps) => {
            let intent = startIntent(topology, defaultAction);
            const inc = new IncrementalCompiler();
            expect(inc.compile(intent).ok).toBe(true);
            for (const s of steps) {
              const network = intent.networks[0]!;
              if (s.op === "mtu" || s.op === "keepalive" || s.op === "description") {
                const field = { mtu: "mtu", keepalive: "persistentKeepalive", description: "description" }[
                  s.op
                ];
                const changed: Network = { ...network, spec: { ...network.spec, [field]: s.value } };
                intent = { ...intent, networks: [changed] };
                const revisions = new Map([...inc.currentStates].map(([n, st]) => [n, st.revision]));
                const result = inc.upsertNetwork(changed);
                expect(result.ok && result.incremental).toBe(true);
                const full = compile(intent);
                expect(full.ok).toBe(true);
                if (!full.ok || !result.ok) continue;
                expect(json(result.states)).toEqual(json(full.states));
                // Exactly the nodes whose state moved are reported.
                const moved = [...full.states].filter(([n, st]) => revisions.get(n) !== st.revision);
                expect(result.changed).toEqual(moved.map(([n]) => n).sort());
                continue;
              }
              const name = `spoke-${s.spoke}`;
              let result: ReturnType<IncrementalCompiler["upsertNode"]>;
              if (s.op === "remove") {
                if (!intent.nodes.some((n) => n.metadata.name === name) || s.spoke === 3) continue;
                intent = { ...intent, nodes: intent.nodes.filter((n) => n.metadata.name !== name) };
                result = inc.removeNode(name);
              } else {
                const node = spoke(s.spoke, s.value);
                const others = intent.nodes.filter((n) => n.metadata.name !== name);
                intent = { ...intent, nodes: [...others, node] };
                result = inc.upsertNode(node);
              }
              const full = compile(intent);
              expect(result.ok).toBe(full.ok);
              if (!full.ok || !result.ok) continue;
              expect(json(result.states)).toEqual(json(full.states));
            }
          }),
          { numRuns: 25 },
        );
      });
    }
  }

  it("reports the nodes a keepalive change moves, and none for a description", () => {
    const intent = startIntent("hub-and-spoke", "deny");
    const inc = new IncrementalCompiler();
    expect(inc.compile(intent).ok).toBe(true);
    const network = intent.networks[0]!;
    const described = inc.upsertNetwork({ ...network, spec: { ...network.spec, description: "x" } });
    expect(described.ok && described.changed).toEqual([]);
    const faster = inc.upsertNetwork({ ...network, spec: { ...network.spec, persistentKeepalive: 26 } });
    // Every spoke's uplink peers and each hub's link peer carry the network's keepalive.
    expect(faster.ok && faster.changed).toEqual([...inc.currentStates.keys()].sort());
  });

  it("compiles whole a structural change, and refuses an invalid one without changing anything", () => {
    const intent = startIntent("hub-and-spoke", "deny");
    const inc = new IncrementalCompiler();
    expect(inc.compile(intent).ok).toBe(true);
    const network = intent.networks[0]!;
    const mesh: Network = { ...network, spec: { ...network.spec, topology: "mesh" } };
    expect(inc.patchesNetwork(mesh)).toBe(false);
    const meshed = inc.upsertNetwork(mesh);
    expect(meshed.ok && meshed.incremental).toBe(false);
    const full = compile({ ...intent, networks: [mesh] });
    if (!full.ok || !meshed.ok) throw new Error("both compile");
    expect(json(meshed.states)).toEqual(json(full.states));

    const before = json(inc.currentStates);
    const tiny: Network = { ...mesh, spec: { ...mesh.spec, cidr: "10.0.0.0/31" } };
    const refused = inc.upsertNetwork(tiny);
    expect(refused.ok).toBe(false);
    expect(json(inc.currentStates)).toEqual(before);
    // And the compiler still patches afterwards, from the intent it kept.
    const patched = inc.upsertNetwork({ ...mesh, spec: { ...mesh.spec, mtu: 1380 } });
    expect(patched.ok && patched.incremental).toBe(true);
    const again = compile({ ...intent, networks: [{ ...mesh, spec: { ...mesh.spec, mtu: 1380 } }] });
    if (!again.ok || !patched.ok) throw new Error("both compile");
    expect(json(patched.states)).toEqual(json(again.states));
  });
});
