import { describe, expect, it } from "vitest";
import type { Enrollment, Node, Resource } from "../../model/index.js";
import { parseIp, parsePrefix } from "../../netaddr/index.js";
import { noteDerived } from "../state/lineage.js";
import { resourceKey } from "../state/snapshot.js";
import { enrollmentAddress, enrollmentStateOf, HolderIndex } from "./holder-index.js";

/** A small deterministic generator, so a failure replays. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const NAMES = ["a", "b", "c", "d", "e", "f"];
const NETWORKS = ["wan", "lab"];
const KEYS = ["k1", "k2", "k3", "k4"];
const ADDRESSES = ["10.0.0.1", "10.0.0.2", "10.0.0.3", undefined];
const SUBNETS = [[], ["10.64.0.0/24"], ["10.64.0.128/25"], ["10.65.0.0/16", "bad"]];
const STATES = ["Pending", "Approved", "Rejected", "Revoked", undefined];

function randomResource(r: () => number): Resource {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const name = pick(NAMES);
  const spec = { network: pick(NETWORKS), tunnelAddress: pick(ADDRESSES), subnets: pick(SUBNETS) };
  if (r() < 0.5) {
    return {
      apiVersion: "hubwire/v1",
      kind: "Node",
      metadata: { name },
      spec: { ...spec, role: "spoke", publicKey: r() < 0.8 ? pick(KEYS) : undefined },
    } as unknown as Node;
  }
  const state = pick(STATES);
  return {
    apiVersion: "hubwire/v1",
    kind: "Enrollment",
    metadata: { name },
    spec: {
      ...spec,
      tunnelAddress: r() < 0.5 ? spec.tunnelAddress : undefined,
      nodeName: name,
      role: "spoke",
      publicKey: pick(KEYS),
      policy: pick(["p", "q"]),
    },
    status: {
      ...(state ? { state } : {}),
      ...(r() < 0.5 && spec.tunnelAddress ? { tunnelAddress: spec.tunnelAddress } : {}),
    },
  } as unknown as Enrollment;
}

/** What checks.ts walked before the index: every holder except `self`, the brute-force way. */
function holders(resources: ReadonlyMap<string, Resource>, network: string, self: string) {
  const all = [...resources.values()];
  const nodes = new Set(all.filter((r) => r.kind === "Node").map((r) => r.metadata.name));
  const out: { address?: string; subnets: readonly string[]; publicKey?: string }[] = [];
  for (const r of all) {
    if (r.metadata.name === self) continue;
    if (r.kind === "Node") {
      const here = r.spec.network === network;
      out.push({
        address: here ? r.spec.tunnelAddress : undefined,
        subnets: here ? r.spec.subnets : [],
        publicKey: r.spec.publicKey,
      });
    } else if (r.kind === "Enrollment") {
      const state = enrollmentStateOf(r);
      if (
        !["Pending", "Approved"].includes(state ?? "") ||
        (state === "Approved" && nodes.has(r.metadata.name))
      )
        continue;
      const here = r.spec.network === network;
      out.push({
        address: here ? enrollmentAddress(r) : undefined,
        subnets: here ? r.spec.subnets : [],
        publicKey: r.spec.publicKey,
      });
    }
  }
  return out;
}

function expectSame(index: HolderIndex, resources: ReadonlyMap<string, Resource>): void {
  for (const self of [...NAMES, "new"]) {
    for (const network of NETWORKS) {
      const others = holders(resources, network, self);
      for (const key of KEYS) expect(index.keyHeld(key, self)).toBe(others.some((h) => h.publicKey === key));
      for (const address of ADDRESSES.filter((a) => a !== undefined)) {
        const value = parseIp(address)!.value;
        expect(index.addressHeld(network, value, self)).toBe(others.some((h) => h.address === address));
      }
      const subnet = parsePrefix("10.64.0.0/25");
      if (!subnet.ok) throw new Error("bad test prefix");
      const overlaps = (a: { start: bigint; length: number }, b: { start: bigint; length: number }) => {
        const end = (p: { start: bigint; length: number }) => p.start + (1n << BigInt(32 - p.length)) - 1n;
        return a.start <= end(b) && b.start <= end(a);
      };
      const clash = others.some(
        (h) =>
          h.subnets.some((s) => {
            const p = parsePrefix(s);
            return !p.ok || overlaps(p.prefix, subnet.prefix);
          }) ||
          (h.address !== undefined &&
            overlaps({ start: parseIp(h.address)!.value, length: 32 }, subnet.prefix)),
      );
      expect(index.mayClash(network, subnet.prefix, self, (a, b) => overlaps(a, b))).toBe(clash);
    }
  }
  for (const policy of ["p", "q"]) {
    const used = [...resources.values()].filter((r) => r.kind === "Enrollment" && r.spec.policy === policy);
    expect(index.usesOf(policy)).toBe(used.length);
  }
}

describe("holder index", () => {
  it("answers as the walk over every holder did, along noted writes, unnoted maps and rollbacks", () => {
    for (let seed = 1; seed <= 20; seed++) {
      const r = rng(seed);
      const index = new HolderIndex();
      const history: ReadonlyMap<string, Resource>[] = [new Map()];
      let current: ReadonlyMap<string, Resource> = history[0]!;
      for (let step = 0; step < 60; step++) {
        const roll = r();
        if (roll < 0.1 && history.length > 1) {
          // A refused write or a reload: back to an earlier intent.
          current = history[Math.floor(r() * history.length)]!;
        } else {
          const next = new Map(current);
          const keys: string[] = [];
          for (let n = 1 + Math.floor(r() * 3); n > 0; n--) {
            const resource = randomResource(r);
            const key = resourceKey(resource.kind, resource.metadata.name);
            if (r() < 0.2) next.delete(key);
            else next.set(key, resource);
            keys.push(key);
          }
          // Most writes are noted (the write path); some maps come without (a full compile).
          if (roll < 0.85) noteDerived(next, current, keys);
          current = next;
          history.push(next);
        }
        index.sync(current);
        expectSame(index, current);
      }
    }
  });
});
