/**
 * compileChange's routing of a Network change: MTU and keepalive go to the incremental compiler,
 * other fields compile whole; either way the snapshot and the changed nodes equal a full build.
 */
import { expect, it } from "vitest";
import type { Network, Resource } from "../../model/index.js";
import { buildIntent } from "../../testing/topology.js";
import { compileChange } from "./compile-change.js";
import { resourceKey, Snapshot } from "./snapshot.js";

function changeNetwork(spec: Partial<Network["spec"]>) {
  const { resources } = buildIntent({ spokes: 12, hubs: 2 });
  const snap = Snapshot.build(1, resources);
  const key = resourceKey("Network", "wan");
  const before = snap.resources.get(key) as Network;
  const after: Network = { ...before, spec: { ...before.spec, ...spec } };
  const proposed = new Map<string, Resource>(snap.resources);
  proposed.set(key, after);
  const patched = snap.compiler.patchesNetwork(after);
  const revisions = new Map([...snap.compiled].map(([n, s]) => [n, s.revision]));
  const out = compileChange(
    snap,
    proposed,
    [{ change: { op: "put", resource: after }, before, after }],
    [],
    false,
  );
  const full = Snapshot.build(2, proposed.values());
  const expected = [...full.compiled].filter(([n, s]) => revisions.get(n) !== s.revision).map(([n]) => n);
  expect(out.nodes).toEqual(expected.sort());
  const next = out.successor(2);
  expect(new Map([...next.compiled].map(([n, s]) => [n, JSON.stringify(s)]))).toEqual(
    new Map([...full.compiled].map(([n, s]) => [n, JSON.stringify(s)])),
  );
  return { patched, changed: out.nodes.length, all: full.compiled.size };
}

it("patches a keepalive or MTU change of a network, reaching every node", () => {
  expect(changeNetwork({ persistentKeepalive: 26 })).toEqual({ patched: true, changed: 14, all: 14 });
  expect(changeNetwork({ mtu: 1380 })).toEqual({ patched: true, changed: 14, all: 14 });
});

it("compiles whole any other network change, with the same outcome", () => {
  expect(changeNetwork({ defaultAction: "allow" }).patched).toBe(false);
  expect(changeNetwork({ listenPortRange: { from: 51000, to: 53000 } }).patched).toBe(false);
});
