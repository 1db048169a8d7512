/**
 * The intent as of one database revision, with the compiler that checked it.
 * Every controller replica keeps one and reloads it when the database's
 * revision moves past it, so replicas never disagree for longer than a read.
 */
import { type Compiled, groupResources, IncrementalCompiler } from "../../compile/index.js";
import { type DesiredState, type Resource, ValidationError } from "../../model/index.js";
import { changedSince, lineageId } from "./lineage.js";
import { withPresharedKeyGeneration } from "./preshared-keys.js";
import { type Rotation, rotationOf, rotationsIn, withGrace } from "./rotation-grace.js";

export const resourceKey = (kind: string, name: string): string => `${kind}/${name}`;

export class Snapshot {
  /**
   * Each node's desired state as delivered: the compiler's, with key rotations' grace peers, and
   * on preshared-key networks a revision that moves with the preshared-key secret's generation.
   */
  readonly compiled: Compiled["states"];
  /** Key rotations in progress (rotation-grace.ts), by node. */
  readonly rotations: ReadonlyMap<string, Rotation>;
  /** Nodes whose states the rotations changed. */
  readonly graced: ReadonlySet<string>;

  private constructor(
    readonly revision: number,
    readonly resources: ReadonlyMap<string, Resource>,
    readonly compiler: IncrementalCompiler,
    /** The compiler's states. */
    private readonly raw: ReadonlyMap<string, DesiredState>,
    /** Addresses IPAM chose for nodes that had none (to pin). */
    readonly allocations: Compiled["allocations"] = [],
    /** How many times the preshared-key secret was rotated (preshared-keys.ts). */
    readonly pskGeneration = 0,
    /** The rotations of `resources` when known (undefined: found by a walk over them). */
    rotations?: ReadonlyMap<string, Rotation>,
  ) {
    this.rotations = rotations ?? rotationsIn(resources.values());
    const graced = withGrace(raw, this.rotations);
    this.compiled = withPresharedKeyGeneration(graced.states, pskGeneration);
    this.graced = graced.affected;
  }

  /** Which hub carries each spoke, as this snapshot compiled it (spokes absent: their first hub). */
  get attachments(): ReadonlyMap<string, string> {
    return this.compiler.attachments;
  }

  /**
   * Compiles `resources` from scratch, with spokes attached to the hubs in `attachments` (what
   * agents reported, see status/attachments.ts) and the preshared-key secret's generation; throws
   * ValidationError when the stored intent is invalid.
   */
  static build(
    revision: number,
    resources: Iterable<Resource>,
    attachments: ReadonlyMap<string, string> = new Map(),
    pskGeneration = 0,
  ): Snapshot {
    const map = new Map<string, Resource>();
    for (const r of resources) map.set(resourceKey(r.kind, r.metadata.name), r);
    const compiler = new IncrementalCompiler(attachments);
    const result = compiler.compile(groupResources(map.values()));
    if (!result.ok) throw new ValidationError(result.issues);
    return new Snapshot(revision, map, compiler, result.states, result.allocations, pskGeneration);
  }

  /** The same compiler, moved to a new revision after an incremental update it already applied. */
  static advance(prev: Snapshot, revision: number, resources: ReadonlyMap<string, Resource>): Snapshot {
    return new Snapshot(
      revision,
      resources,
      prev.compiler,
      prev.compiler.currentStates,
      [],
      prev.pskGeneration,
      rotationsAfter(prev, resources),
    );
  }

  /** This snapshot, labelled with the revision its write produced. */
  at(revision: number): Snapshot {
    return new Snapshot(
      revision,
      this.resources,
      this.compiler,
      this.raw,
      [],
      this.pskGeneration,
      this.rotations,
    );
  }
}

/**
 * The rotations of `resources` from `prev`'s and the keys a write changed (lineage.ts), not by a
 * walk over every resource (one per write at 10,000 nodes); undefined when the keys are not known.
 */
function rotationsAfter(
  prev: Snapshot,
  resources: ReadonlyMap<string, Resource>,
): ReadonlyMap<string, Rotation> | undefined {
  if (resources === prev.resources) return prev.rotations;
  const keys = changedSince(resources, lineageId(prev.resources));
  if (keys === undefined) return undefined;
  let out: Map<string, Rotation> | undefined;
  for (const key of keys) {
    if (!key.startsWith("Node/")) continue;
    const name = key.slice("Node/".length);
    const r = resources.get(key);
    const rotation = r && rotationOf(r);
    if (!rotation && !prev.rotations.has(name)) continue;
    out ??= new Map(prev.rotations);
    if (rotation) out.set(name, rotation);
    else out.delete(name);
  }
  return out ?? prev.rotations;
}
