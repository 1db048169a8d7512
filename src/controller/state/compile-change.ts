/**
 * How a write's new intent is compiled, cheapest first: controller records alone need no compile
 * unless an enrollment becomes or stops being Approved; one Node created, replaced or deleted goes
 * to the incremental compiler; anything else is compiled whole. Addresses IPAM chooses are pinned
 * into the Nodes written, so they never move afterwards.
 */
import { enrollmentState } from "../../compile/index.js";
import {
  type Enrollment,
  type Node,
  type Resource,
  type ResourceKind,
  ValidationError,
} from "../../model/index.js";
import { ApiError } from "../api/errors.js";
import { resourceKey, Snapshot } from "./snapshot.js";

/** One resource to create or replace, or to delete. */
export type Change =
  | { readonly op: "put"; readonly resource: Resource }
  | { readonly op: "delete"; readonly kind: ResourceKind; readonly name: string };

/** One resource a write changes; `after` is replaced when addresses are pinned into it. */
export interface EffectiveChange {
  readonly change: Change;
  readonly before?: Resource;
  after?: Resource;
}

export interface CompiledChange {
  /** Nodes whose desired state changes. */
  readonly nodes: readonly string[];
  /** The snapshot after the write, once it has its revision. */
  successor(revision: number): Snapshot;
}

const enrollmentsOf = (records: readonly Resource[]) =>
  records.filter((r): r is Enrollment => r.kind === "Enrollment");

const approved = (r: Resource | undefined) => r?.kind === "Enrollment" && enrollmentState(r) === "Approved";

/**
 * Compiles `next` (the intent after the write: `snap`'s resources with `effective` and `records`
 * applied) and says which nodes it changes. Refuses an invalid result with `validation-failed`.
 * Pinned addresses are written into `next` and `effective`.
 */
export function compileChange(
  snap: Snapshot,
  next: Map<string, Resource>,
  effective: EffectiveChange[],
  records: readonly Resource[],
  dryRun: boolean,
): CompiledChange {
  if (effective.length === 0) {
    // Records alone can still change compiled state (an Approved enrollment supplies a keyless
    // Node's key; a revoked one no longer does).
    const compiles = records.some(
      (r) =>
        r.kind === "Enrollment" &&
        approved(r) !== approved(snap.resources.get(resourceKey(r.kind, r.metadata.name))),
    );
    if (compiles) return whole(snap, next);
    // The successor shares this compiler: it must still know the records.
    snap.compiler.noteEnrollments(enrollmentsOf(records));
    // A Node record changes only its status, which the compiler does not read; a key rotation's
    // grace peers (in the status) change the states of the nodes that have it as a peer.
    const after = records.some((r) => r.kind === "Node") ? Snapshot.advance(snap, snap.revision, next) : snap;
    return {
      nodes: gracedChanges(snap, after),
      successor: (revision) => Snapshot.advance(snap, revision, next),
    };
  }

  const only = effective.length === 1 ? effective[0]! : undefined;
  if (only?.after?.kind === "Node") {
    const node = only.after as Node;
    const pins = needsAddress(node, snap)
      ? snap.compiler.allocate(node.spec.network, node.metadata.name, node.spec.role)
      : undefined;
    if (pins) {
      only.after = withAddresses(node, pins);
      next.set(resourceKey("Node", node.metadata.name), only.after);
    }
  }
  // The incremental compiler is given only the Node, not the records. An Approved enrollment
  // whose Node carries its key and addresses changes nothing beyond the Node; any other record
  // (an enrollment no longer Approved no longer supplies its node's key) needs a full compile.
  // Node records carry status only (their spec changes are in `changes`).
  const recordsMatter = records.some((r) => (r.kind === "Enrollment" ? !approved(r) : r.kind !== "Node"));
  if (!dryRun && only && !recordsMatter && (only.after ?? only.before)!.kind === "Node") {
    const result =
      only.change.op === "put"
        ? snap.compiler.upsertNode(only.after as Node)
        : snap.compiler.removeNode(only.before!.metadata.name);
    if (!result.ok) throw new ApiError("validation-failed", describe(result.issues.length), result.issues);
    snap.compiler.noteEnrollments(enrollmentsOf(records));
    const nodes = new Set(result.changed);
    if (snap.graced.size > 0 || records.some((r) => r.kind === "Node")) {
      for (const n of gracedChanges(snap, Snapshot.advance(snap, snap.revision, next))) nodes.add(n);
    }
    return { nodes: [...nodes].sort(), successor: (revision) => Snapshot.advance(snap, revision, next) };
  }
  return whole(snap, next, effective);
}

/** A full compile of `next`, pinning what IPAM chose (also for older unpinned nodes) first. */
function whole(
  snap: Snapshot,
  next: Map<string, Resource>,
  effective: EffectiveChange[] = [],
): CompiledChange {
  let candidate = buildOrRefuse(snap, next);
  if (candidate.allocations.length > 0) {
    const byKey = new Map(
      effective.flatMap((e) =>
        e.after ? [[resourceKey(e.after.kind, e.after.metadata.name), e] as const] : [],
      ),
    );
    for (const a of candidate.allocations) {
      const key = resourceKey("Node", a.node);
      const after = withAddresses(next.get(key) as Node, a);
      next.set(key, after);
      const entry = byKey.get(key);
      if (entry) entry.after = after;
      else effective.push({ change: { op: "put", resource: after }, before: snap.resources.get(key), after });
    }
    candidate = buildOrRefuse(snap, next);
  }
  const done = candidate;
  return { nodes: changedNodes(snap, done), successor: (revision) => done.at(revision) };
}

function buildOrRefuse(snap: Snapshot, resources: ReadonlyMap<string, Resource>): Snapshot {
  try {
    return Snapshot.build(snap.revision, resources.values(), snap.attachments, snap.pskGeneration);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new ApiError("validation-failed", describe(error.issues.length), error.issues);
  }
}

function needsAddress(node: Node, snap: Snapshot): boolean {
  const net = snap.resources.get(resourceKey("Network", node.spec.network));
  const v6 = net?.kind === "Network" && net.spec.cidr6 !== undefined;
  return node.spec.tunnelAddress === undefined || (v6 && node.spec.tunnelAddress6 === undefined);
}

function withAddresses(node: Node, a: { tunnelAddress: string; tunnelAddress6?: string }): Node {
  return {
    ...node,
    spec: {
      ...node.spec,
      tunnelAddress: node.spec.tunnelAddress ?? a.tunnelAddress,
      ...(a.tunnelAddress6 !== undefined
        ? { tunnelAddress6: node.spec.tunnelAddress6 ?? a.tunnelAddress6 }
        : {}),
    },
  };
}

/** Nodes whose state a change of key rotations' grace peers moved (rotation-grace.ts). */
function gracedChanges(before: Snapshot, after: Snapshot): string[] {
  const names = new Set([...before.graced, ...after.graced]);
  return [...names]
    .filter((n) => before.compiled.get(n)?.revision !== after.compiled.get(n)?.revision)
    .sort();
}

function changedNodes(before: Snapshot, after: Snapshot): string[] {
  const names = new Set([...before.compiled.keys(), ...after.compiled.keys()]);
  return [...names]
    .filter((n) => before.compiled.get(n)?.revision !== after.compiled.get(n)?.revision)
    .sort();
}

function describe(count: number): string {
  return `the change is invalid: ${count} issue${count === 1 ? "" : "s"}`;
}
