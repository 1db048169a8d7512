/**
 * What the enrollment checks (checks.ts) ask of the intent, indexed: who holds a public key, a
 * tunnel address, a subnet, and how many enrollments each policy has made. A request then costs a
 * few lookups instead of a walk over every node and enrollment with their addresses parsed again.
 *
 * The index follows the intent it is given: `sync` re-indexes only the names whose Node or
 * Enrollment changed, appeared or went since the map it indexed last — the keys state/lineage.ts
 * recorded along the writes between the two when it knows them (the write path: a few keys per
 * write), else found by comparing every resource by reference (resources are never modified in
 * place; a write stores new objects). So it is exact for whatever map it is handed — a batch's
 * intermediate intents, a rolled-back write, a reload.
 */
import type { Enrollment, Node, Resource } from "../../model/index.js";
import { type IpAddress, type Prefix, parseIp, parsePrefix } from "../../netaddr/index.js";
import { changedSince, lineageId } from "../state/lineage.js";
import { resourceKey } from "../state/snapshot.js";

/** Enrollment states that hold a name, address, subnets and key. */
const HOLDING = new Set(["Pending", "Approved"]);

export function enrollmentStateOf(e: Enrollment): string | undefined {
  const state = e.status?.state;
  return typeof state === "string" ? state : undefined;
}

/** The tunnel address an enrollment holds: what it asked for, else what was allocated to it. */
export function enrollmentAddress(e: Enrollment): string | undefined {
  const allocated = e.status?.tunnelAddress;
  return e.spec.tunnelAddress ?? (typeof allocated === "string" ? allocated : undefined);
}

/** One holder (a Node, or a live enrollment not yet represented by its Node), parsed once. */
interface Held {
  readonly name: string;
  readonly network: string;
  readonly publicKey?: string;
  /** The tunnel address, parsed (either family); absent when it has none or it does not parse. */
  readonly ip?: IpAddress;
  readonly prefixes: readonly Prefix[];
  /** A stored subnet that does not parse: the slow path reports it as the checks always did. */
  readonly invalid: boolean;
}

/** Names, with repeats (a name may hold the same thing as Node and as Pending enrollment). */
type Names = string[];

const add = <K>(map: Map<K, Names>, key: K, name: string) => {
  const names = map.get(key);
  if (names) names.push(name);
  else map.set(key, [name]);
};

const remove = <K>(map: Map<K, Names>, key: K, name: string) => {
  const names = map.get(key);
  if (!names) return;
  const i = names.indexOf(name);
  if (i >= 0) names.splice(i, 1);
  if (names.length === 0) map.delete(key);
};

const heldByOther = (names: Names | undefined, self: string) => names?.some((n) => n !== self) === true;

/** The holder a Node or an Enrollment makes, as checks.ts has always counted them. */
function heldFrom(
  name: string,
  network: string,
  publicKey: string | undefined,
  address: string | undefined,
  subnets: readonly string[] | undefined,
): Held {
  const prefixes: Prefix[] = [];
  let invalid = false;
  for (const s of subnets ?? []) {
    const parsed = parsePrefix(s);
    if (parsed.ok) prefixes.push(parsed.prefix);
    else invalid = true;
  }
  return { name, network, publicKey, ip: address ? parseIp(address) : undefined, prefixes, invalid };
}

export class HolderIndex {
  /** The Nodes and Enrollments indexed, by resource key. */
  private readonly refs = new Map<string, Resource>();
  private indexed?: ReadonlyMap<string, Resource>;
  /** Its id in state/lineage.ts. */
  private indexedId?: number;
  private readonly byName = new Map<string, readonly Held[]>();
  private readonly keys = new Map<string, Names>();
  /** IPv4 tunnel addresses by network. */
  private readonly v4 = new Map<string, Map<bigint, Names>>();
  /** Holders with an address or subnets, by network (for subnet overlap). */
  private readonly members = new Map<string, Set<Held>>();
  /** Enrollments (any state) by the policy they came through. */
  private readonly uses = new Map<string, number>();

  private static readonly owners = new WeakMap<object, HolderIndex>();

  /** The index `owner` (an intent store) keeps, brought up to `resources`. */
  static of(owner: object, resources: ReadonlyMap<string, Resource>): HolderIndex {
    let index = HolderIndex.owners.get(owner);
    if (!index) {
      index = new HolderIndex();
      HolderIndex.owners.set(owner, index);
    }
    return index.sync(resources);
  }

  /** Re-indexes what differs between `resources` and the map indexed last. */
  sync(resources: ReadonlyMap<string, Resource>): this {
    if (resources === this.indexed) return this;
    const changed = this.indexedId === undefined ? undefined : changedSince(resources, this.indexedId);
    const touched = changed ? this.follow(resources, changed) : this.walk(resources);
    for (const name of touched) this.reindex(name);
    this.indexed = resources;
    this.indexedId = lineageId(resources);
    return this;
  }

  /** The names whose Node or Enrollment differs at `keys` (all that state/lineage.ts says changed). */
  private follow(resources: ReadonlyMap<string, Resource>, keys: readonly string[]): Set<string> {
    const touched = new Set<string>();
    for (const key of keys) {
      const before = this.refs.get(key);
      const r = resources.get(key);
      const after = r?.kind === "Node" || r?.kind === "Enrollment" ? r : undefined;
      if (before === after) continue;
      this.count(before, -1);
      this.count(after, 1);
      if (after) this.refs.set(key, after);
      else this.refs.delete(key);
      touched.add((after ?? before)!.metadata.name);
    }
    return touched;
  }

  /** The names whose Node or Enrollment differs anywhere: compared by reference, every resource. */
  private walk(resources: ReadonlyMap<string, Resource>): Set<string> {
    const touched = new Set<string>();
    let seen = 0;
    resources.forEach((r, key) => {
      if (r.kind !== "Node" && r.kind !== "Enrollment") return;
      seen++;
      const before = this.refs.get(key);
      if (before === r) return;
      this.count(before, -1);
      this.count(r, 1);
      this.refs.set(key, r);
      touched.add(r.metadata.name);
    });
    if (seen !== this.refs.size) {
      for (const [key, r] of this.refs) {
        if (resources.get(key) === r) continue;
        this.count(r, -1);
        this.refs.delete(key);
        touched.add(r.metadata.name);
      }
    }
    return touched;
  }

  private count(r: Resource | undefined, by: 1 | -1): void {
    if (r?.kind !== "Enrollment") return;
    const n = (this.uses.get(r.spec.policy) ?? 0) + by;
    if (n === 0) this.uses.delete(r.spec.policy);
    else this.uses.set(r.spec.policy, n);
  }

  private reindex(name: string): void {
    for (const h of this.byName.get(name) ?? []) this.unlink(h);
    const node = this.refs.get(resourceKey("Node", name)) as Node | undefined;
    const enrollment = this.refs.get(resourceKey("Enrollment", name)) as Enrollment | undefined;
    const held: Held[] = [];
    if (node) {
      const s = node.spec;
      held.push(heldFrom(name, s.network, s.publicKey, s.tunnelAddress, s.subnets));
    }
    const state = enrollment && enrollmentStateOf(enrollment);
    // An approved enrollment is represented by its Node (whose key may have been rotated since).
    if (enrollment && HOLDING.has(state ?? "") && !(state === "Approved" && node)) {
      const s = enrollment.spec;
      held.push(heldFrom(name, s.network, s.publicKey, enrollmentAddress(enrollment), s.subnets));
    }
    for (const h of held) this.link(h);
    if (held.length > 0) this.byName.set(name, held);
    else this.byName.delete(name);
  }

  private link(h: Held): void {
    if (h.publicKey !== undefined) add(this.keys, h.publicKey, h.name);
    if (h.ip?.family === 4) {
      const values = this.v4.get(h.network) ?? new Map<bigint, Names>();
      this.v4.set(h.network, values);
      add(values, h.ip.value, h.name);
    }
    if (h.ip || h.prefixes.length > 0 || h.invalid) {
      const set = this.members.get(h.network) ?? new Set<Held>();
      this.members.set(h.network, set);
      set.add(h);
    }
  }

  private unlink(h: Held): void {
    if (h.publicKey !== undefined) remove(this.keys, h.publicKey, h.name);
    if (h.ip?.family === 4) {
      const values = this.v4.get(h.network);
      if (values) remove(values, h.ip.value, h.name);
    }
    this.members.get(h.network)?.delete(h);
  }

  /** Whether a holder other than `self` has `publicKey`. */
  keyHeld(publicKey: string, self: string): boolean {
    return heldByOther(this.keys.get(publicKey), self);
  }

  /** Whether a holder other than `self` has the IPv4 tunnel address `value` in `network`. */
  addressHeld(network: string, value: bigint, self: string): boolean {
    return heldByOther(this.v4.get(network)?.get(value), self);
  }

  /** Every IPv4 tunnel address held in `network` by others than `self`. */
  addressesHeld(network: string, self: string): Set<bigint> {
    const out = new Set<bigint>();
    for (const [value, names] of this.v4.get(network) ?? []) if (heldByOther(names, self)) out.add(value);
    return out;
  }

  /**
   * Whether `subnet` may clash with what a holder other than `self` has in `network`: a subnet or
   * tunnel address overlapping it, or a stored subnet that does not parse (the caller's exact walk
   * then says which, or refuses the stored one).
   */
  mayClash(
    network: string,
    subnet: Prefix,
    self: string,
    overlaps: (a: Prefix, b: Prefix) => boolean,
  ): boolean {
    for (const h of this.members.get(network) ?? []) {
      if (h.name === self) continue;
      if (h.invalid) return true;
      if (h.prefixes.some((p) => overlaps(p, subnet))) return true;
      if (
        h.ip &&
        overlaps({ family: h.ip.family, start: h.ip.value, length: h.ip.family === 4 ? 32 : 128 }, subnet)
      )
        return true;
    }
    return false;
  }

  /** How many enrollments (any state) came through `policy`. */
  usesOf(policy: string): number {
    return this.uses.get(policy) ?? 0;
  }
}
