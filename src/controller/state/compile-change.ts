/**
 * How a write's new intent is compiled, cheapest first: controller records alone need no compile
 * unless an enrollment becomes or stops being Approved; one Node created, replaced or deleted, or
 * one Network replaced, goes to the incremental compiler (which compiles whole what it cannot
 * patch); anything else is compiled whole. Addresses IPAM chooses are pinned
 * into the Nodes written (pinning.ts), so they never move afterwards. Nothing given is modified:
 * the intent and changes as written, pins included, come back in the result.
 */
import { enrollmentState } from "../../compile/index.js";
import {
  type Enrollment,
  type Node,
  type Resource,
  type ResourceKind,
  ValidationError,
} from "../../model/index.js";
import { DomainError } from "../errors.js";
import { LayeredMap } from "./layered-map.js";
import { noteDerived } from "./lineage.js";
import { needsAddress, withAddresses } from "./pinning.js";
import { resourceKey, Snapshot } from "./snapshot.js";

/** One resource to create or replace, or to delete. */
export type Change =
  | { readonly op: "put"; readonly resource: Resource }
  | { readonly op: "delete"; readonly kind: ResourceKind; readonly name: string };

/** One resource a write changes. */
export interface EffectiveChange {
  readonly change: Change;
  readonly before?: Resource;
  readonly after?: Resource;
}

export interface CompiledChange {
  /** The intent after the write, with pinned addresses. */
  readonly next: ReadonlyMap<string, Resource>;
  /** What the write changes, with pinned addresses (nodes IPAM addressed for the first time included). */
  readonly effective: readonly EffectiveChange[];
  /** Nodes whose desired state changes. */
  readonly nodes: readonly string[];
  /** The snapshot after the write, once it has its revision. */
  successor(revision: number): Snapshot;
}

const enrollmentsOf = (records: readonly Resource[]) =>
  records.filter((r): r is Enrollment => r.kind === "Enrollment");

const approved = (r: Resource | undefined) => r?.kind === "Enrollment" && enrollmentState(r) === "Approved";

/**
 * Compiles `proposed` (the intent after the write: `snap`'s resources with `changes` and `records`
 * applied) and says which nodes it changes. Refuses an invalid result with `validation-failed`.
 */
export function compileChange(
  snap: Snapshot,
  proposed: ReadonlyMap<string, Resource>,
  changes: readonly EffectiveChange[],
  records: readonly Resource[],
  dryRun: boolean,
): CompiledChange {
  // Copied only when a pin changes it: at 10,000 nodes a copy per write is measurable.
  let next = proposed;
  const effective = [...changes];
  if (effective.length === 0) {
    // Records alone can still change compiled state (an Approved enrollment supplies a keyless
    // Node's key; a revoked one no longer does).
    const compiles = records.some(
      (r) =>
        r.kind === "Enrollment" &&
        approved(r) !== approved(snap.resources.get(resourceKey(r.kind, r.metadata.name))),
    );
    if (compiles) return whole(snap, next, effective);
    // The successor shares this compiler: it must still know the records.
    snap.compiler.noteEnrollments(enrollmentsOf(records));
    // A Node record changes only its status, which the compiler does not read; a key rotation's
    // grace peers (in the status) change the states of the nodes that have it as a peer.
    const after = records.some((r) => r.kind === "Node") ? Snapshot.advance(snap, snap.revision, next) : snap;
    return {
      next,
      effective,
      nodes: gracedChanges(snap, after),
      successor: (revision) => Snapshot.advance(snap, revision, next),
    };
  }

  let only = effective.length === 1 ? effective[0]! : undefined;
  if (only?.after?.kind === "Node") {
    const node = only.after as Node;
    const pins = needsAddress(node, snap)
      ? snap.compiler.allocate(node.spec.network, node.metadata.name, node.spec.role)
      : undefined;
    if (pins) {
      only = { ...only, after: withAddresses(node, pins) };
      effective[0] = only;
      const key = resourceKey("Node", node.metadata.name);
      next = new LayeredMap(proposed).set(key, only.after!);
      noteDerived(next, proposed, [key]);
    }
  }
  // The incremental compiler is given only the Node, not the records. An Approved enrollment
  // whose Node carries its key and addresses changes nothing beyond the Node; any other record
  // (an enrollment no longer Approved no longer supplies its node's key) needs a full compile.
  // Node records carry status only (their spec changes are in `changes`).
  const recordsMatter = records.some((r) => (r.kind === "Enrollment" ? !approved(r) : r.kind !== "Node"));
  // One Network replaced in fields that are a field update on each node (MTU, keepalive) goes
  // incremental too; any other network change is compiled whole here, which pins what IPAM chose.
  const incremental =
    only !== undefined &&
    ((only.after ?? only.before)!.kind === "Node" ||
      (only.before?.kind === "Network" &&
        only.after?.kind === "Network" &&
        snap.compiler.patchesNetwork(only.after)));
  if (!dryRun && only && !recordsMatter && incremental) {
    const result =
      only.after?.kind === "Network"
        ? snap.compiler.upsertNetwork(only.after)
        : only.change.op === "put"
          ? snap.compiler.upsertNode(only.after as Node)
          : snap.compiler.removeNode(only.before!.metadata.name);
    if (!result.ok) throw new DomainError("validation-failed", describe(result.issues.length), result.issues);
    snap.compiler.noteEnrollments(enrollmentsOf(records));
    const nodes = new Set(result.changed);
    if (snap.graced.size > 0 || records.some((r) => r.kind === "Node")) {
      for (const n of gracedChanges(snap, Snapshot.advance(snap, snap.revision, next))) nodes.add(n);
    }
    return {
      next,
      effective,
      nodes: [...nodes].sort(),
      successor: (revision) => Snapshot.advance(snap, revision, next),
    };
  }
  return whole(snap, next, effective);
}

/** A full compile of `next`, pinning what IPAM chose (also for older unpinned nodes) first. */
function whole(
  snap: Snapshot,
  proposed: ReadonlyMap<string, Resource>,
  effective: EffectiveChange[],
): CompiledChange {
  let next = proposed;
  let candidate = buildOrRefuse(snap, next);
  if (candidate.allocations.length > 0) {
    const pinned = new LayeredMap(proposed);
    next = pinned;
    const byKey = new Map(
      effective.flatMap((e, i) =>
        e.after ? [[resourceKey(e.after.kind, e.after.metadata.name), i] as const] : [],
      ),
    );
    for (const a of candidate.allocations) {
      const key = resourceKey("Node", a.node);
      const after = withAddresses(pinned.get(key) as Node, a);
      pinned.set(key, after);
      const at = byKey.get(key);
      if (at !== undefined) effective[at] = { ...effective[at]!, after };
      else effective.push({ change: { op: "put", resource: after }, before: snap.resources.get(key), after });
    }
    noteDerived(
      pinned,
      proposed,
      candidate.allocations.map((a) => resourceKey("Node", a.node)),
    );
    candidate = buildOrRefuse(snap, next);
  }
  const done = candidate;
  return { next, effective, nodes: changedNodes(snap, done), successor: (revision) => done.at(revision) };
}

function buildOrRefuse(snap: Snapshot, resources: ReadonlyMap<string, Resource>): Snapshot {
  try {
    return Snapshot.build(snap.revision, resources.values(), snap.attachments, snap.pskGeneration);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new DomainError("validation-failed", describe(error.issues.length), error.issues);
  }
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
