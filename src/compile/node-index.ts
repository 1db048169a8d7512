/**
 * Indexes over every node's keys, addresses, subnets and endpoints, so one
 * changed node can be checked against all others in O(log n) — the
 * incremental path's equivalent of the sweeps in validate-nodes.ts, with the
 * same issue codes.
 */
import type { Issue } from "../model/index.js";
import { formatIp, formatPrefix, type Prefix, prefixEnd } from "../netaddr/index.js";
import { issueFor } from "./intent.js";
import type { ResolvedNode } from "./resolved.js";

interface Interval {
  readonly family: number;
  readonly start: bigint;
  readonly end: bigint;
  readonly node: string;
  readonly prefix: Prefix;
}

function before(a: Interval, family: number, start: bigint): boolean {
  return a.family < family || (a.family === family && a.start < start);
}

/** Intervals sorted by (family, start); within one network they never overlap. */
class SortedIntervals {
  private readonly items: Interval[] = [];

  private lowerBound(family: number, start: bigint): number {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (before(this.items[mid]!, family, start)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  add(item: Interval): void {
    this.items.splice(this.lowerBound(item.family, item.start), 0, item);
  }

  remove(node: string, prefix: Prefix): void {
    const i = this.lowerBound(prefix.family, prefix.start);
    for (let j = i; j < this.items.length && this.items[j]!.start === prefix.start; j++) {
      if (this.items[j]!.node === node) {
        this.items.splice(j, 1);
        return;
      }
    }
  }

  /** Intervals overlapping [start, end] of the family (disjoint intervals: a contiguous run). */
  overlapping(family: number, start: bigint, end: bigint): Interval[] {
    const out: Interval[] = [];
    let i = this.lowerBound(family, start);
    if (i > 0 && this.items[i - 1]!.family === family && this.items[i - 1]!.end >= start) i--;
    for (; i < this.items.length; i++) {
      const it = this.items[i]!;
      if (it.family !== family || it.start > end) break;
      if (it.end >= start) out.push(it);
    }
    return out;
  }
}

const interval = (node: string, prefix: Prefix): Interval => ({
  family: prefix.family,
  start: prefix.start,
  end: prefixEnd(prefix),
  node,
  prefix,
});

export class NodeIndex {
  private readonly keys = new Map<string, string>();
  private readonly addresses = new Map<string, string>();
  private readonly ports = new Map<string, string>();
  private readonly subnets = new Map<string, SortedIntervals>();
  private readonly endpoints = new SortedIntervals();

  constructor(nodes: Iterable<{ network: string; node: ResolvedNode }>) {
    for (const { network, node } of nodes) this.add(network, node);
  }

  private portIds(n: ResolvedNode): string[] {
    if (!n.endpoint) return [];
    const count = Math.max(1, n.hubs.length);
    return Array.from(
      { length: count },
      (_, i) => `${n.endpoint!.host.toLowerCase()}:${n.endpoint!.port + i}`,
    );
  }

  private addressIds(network: string, n: ResolvedNode): string[] {
    return n.tunnelPrefixes.map((p) => `${network}/${p.family}/${p.start}`);
  }

  private subnetList(network: string): SortedIntervals {
    let list = this.subnets.get(network);
    if (!list) {
      list = new SortedIntervals();
      this.subnets.set(network, list);
    }
    return list;
  }

  add(network: string, n: ResolvedNode): void {
    if (n.publicKey) this.keys.set(n.publicKey, n.name);
    for (const id of this.addressIds(network, n)) this.addresses.set(id, n.name);
    for (const id of this.portIds(n)) this.ports.set(id, n.name);
    for (const s of n.subnets) this.subnetList(network).add(interval(n.name, s));
    const a = n.endpoint?.address;
    if (a)
      this.endpoints.add(
        interval(n.name, { family: a.family, start: a.value, length: a.family === 4 ? 32 : 128 }),
      );
  }

  remove(network: string, n: ResolvedNode): void {
    if (n.publicKey && this.keys.get(n.publicKey) === n.name) this.keys.delete(n.publicKey);
    for (const id of this.addressIds(network, n))
      if (this.addresses.get(id) === n.name) this.addresses.delete(id);
    for (const id of this.portIds(n)) if (this.ports.get(id) === n.name) this.ports.delete(id);
    for (const s of n.subnets) this.subnetList(network).remove(n.name, s);
    const a = n.endpoint?.address;
    if (a)
      this.endpoints.remove(n.name, { family: a.family, start: a.value, length: a.family === 4 ? 32 : 128 });
  }

  /** Tunnel addresses in use in a network, of one family (for allocating a new node's). */
  takenAddresses(network: string, family: 4 | 6): Set<bigint> {
    const prefix = `${network}/${family}/`;
    const out = new Set<bigint>();
    for (const id of this.addresses.keys())
      if (id.startsWith(prefix)) out.add(BigInt(id.slice(prefix.length)));
    return out;
  }

  /** Issues `n` would have against every other indexed node (the caller removes `n`'s old entry first). */
  check(network: string, n: ResolvedNode, at: { kind: string; name: string }): Issue[] {
    const issues: Issue[] = [];
    const other = n.publicKey ? this.keys.get(n.publicKey) : undefined;
    if (other && other !== n.name) {
      issues.push(issueFor("duplicate-public-key", at, "spec.publicKey", `also used by node ${other}`));
    }
    n.tunnelPrefixes.forEach((p, i) => {
      const holder = this.addresses.get(`${network}/${p.family}/${p.start}`);
      const path = i === 0 ? "spec.tunnelAddress" : "spec.tunnelAddress6";
      if (holder && holder !== n.name)
        issues.push(issueFor("duplicate-address", at, path, `also the address of node ${holder}`));
    });
    for (const id of this.portIds(n)) {
      const holder = this.ports.get(id);
      if (holder && holder !== n.name) {
        issues.push(
          issueFor("duplicate-endpoint", at, "spec.endpoint", `${id} is also used by node ${holder}`),
        );
        break;
      }
    }
    const list = this.subnetList(network);
    for (const s of n.subnets) {
      const path = `spec.subnets[${n.source.spec.subnets.indexOf(formatPrefix(s))}]`;
      for (const hit of list.overlapping(s.family, s.start, prefixEnd(s))) {
        if (hit.node === n.name) continue;
        issues.push(
          issueFor(
            "overlap",
            at,
            path,
            `${formatPrefix(s)} overlaps ${formatPrefix(hit.prefix)} of node ${hit.node}`,
          ),
        );
      }
      for (const hit of this.endpoints.overlapping(s.family, s.start, prefixEnd(s))) {
        issues.push(
          issueFor(
            "underlay-claimed",
            at,
            path,
            `${formatPrefix(s)} contains ${formatIp({ family: hit.prefix.family, value: hit.start })}, the public ` +
              `endpoint of node ${hit.node}: routing it into the tunnel would cut the tunnel's own path`,
          ),
        );
      }
    }
    const a = n.endpoint?.address;
    if (a) {
      for (const [, l] of this.subnets) {
        for (const hit of l.overlapping(a.family, a.value, a.value)) {
          issues.push(
            issueFor(
              "underlay-claimed",
              { kind: "Node", name: hit.node },
              "spec.subnets",
              `${formatPrefix(hit.prefix)} contains ${formatIp(a)}, the public endpoint of node ${n.name}`,
            ),
          );
        }
      }
    }
    return issues;
  }
}
