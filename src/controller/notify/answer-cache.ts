/**
 * Each node's long-poll answer as the JSON bytes sent, built once per (node, revision). A
 * revision is a fingerprint of the whole desired state, so equal revisions mean equal bytes; every
 * poll of that revision after the first (a hub's second connection, an agent that reconnects, the
 * re-poll after a held delivery) is answered without serialising again. At most one body per node
 * is kept — the one of its current revision — and it is dropped as soon as the node's revision
 * moves or the node leaves the intent, so memory stays bounded by one answer per node — and, for
 * a node whose agents ask for patches, one patch from its previous revision.
 */
import { type DesiredState, diffDesiredStates } from "../../model/index.js";

interface Entry {
  readonly revision: string;
  readonly body: Buffer;
}

interface PatchEntry extends Entry {
  readonly base: string;
}

export class AnswerCache {
  private readonly bodies = new Map<string, Entry>();
  /** One patch per node: from the revision before its current one (what most agents have). */
  private readonly patches = new Map<string, PatchEntry>();
  private heldBytes = 0;

  /** `state` serialised as its JSON answer; from the cache when its revision was sent before. */
  body(state: DesiredState): Buffer {
    const hit = this.bodies.get(state.node);
    if (hit?.revision === state.revision) return hit.body;
    const body = Buffer.from(JSON.stringify(state));
    if (hit) this.heldBytes -= hit.body.length;
    this.bodies.set(state.node, { revision: state.revision, body });
    this.heldBytes += body.length;
    return body;
  }

  /** The patch from `base` to `state` as its JSON answer; from the cache when built before. */
  patchBody(base: DesiredState, state: DesiredState): Buffer {
    const hit = this.patches.get(state.node);
    if (hit?.revision === state.revision && hit.base === base.revision) return hit.body;
    const body = Buffer.from(JSON.stringify(diffDesiredStates(base, state)));
    if (hit) this.heldBytes -= hit.body.length;
    this.patches.set(state.node, { base: base.revision, revision: state.revision, body });
    this.heldBytes += body.length;
    return body;
  }

  /** Forgets the answers of `nodes` (their revision moved, or they are gone). */
  drop(nodes: Iterable<string>): void {
    for (const node of nodes) {
      for (const map of [this.bodies, this.patches]) {
        const hit = map.get(node);
        if (!hit) continue;
        this.heldBytes -= hit.body.length;
        map.delete(node);
      }
    }
  }

  /** Forgets every answer. */
  clear(): void {
    this.bodies.clear();
    this.patches.clear();
    this.heldBytes = 0;
  }

  /** Answers held now (whole states and patches). */
  get size(): number {
    return this.bodies.size + this.patches.size;
  }

  /** Bytes of the answers held now. */
  get bytes(): number {
    return this.heldBytes;
  }
}
