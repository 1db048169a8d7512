/**
 * Which resource keys a write changed, kept beside the intent maps it made: so a reader holding
 * something derived from one map (enroll/holder-index.ts) can bring it up to a later map by the
 * keys that differ, not by a walk over every resource. The intent maps are never modified after
 * they are noted here; a map with no record (a full compile, a reload) is simply not known to
 * derive from another, and the reader walks it whole.
 *
 * Entries hold their parent entry, never a map, and a chain longer than MAX_DEPTH steps goes on
 * from a copy of its KEPT nearest entries, so what an old intent map leaves behind is a few small
 * arrays at most, while the last writes stay linked.
 */
import type { Resource } from "../../model/index.js";

interface Entry {
  readonly id: number;
  readonly parent?: Entry;
  /** The keys that differ between the parent's map and this entry's. */
  readonly keys: readonly string[];
  readonly depth: number;
}

const MAX_DEPTH = 32;
/** Ancestors a chain keeps when it is cut: readers are rarely more than a few writes behind. */
const KEPT = 8;

const entries = new WeakMap<ReadonlyMap<string, Resource>, Entry>();
let nextId = 1;

function entryOf(map: ReadonlyMap<string, Resource>): Entry {
  let entry = entries.get(map);
  if (!entry) {
    entry = { id: nextId++, keys: [], depth: 0 };
    entries.set(map, entry);
  }
  return entry;
}

/** A stable id for `map`, to name it later in `changedSince`. */
export function lineageId(map: ReadonlyMap<string, Resource>): number {
  return entryOf(map).id;
}

/** Records that `to` is `from` with (at most) `keys` set or deleted. Call once `to` is final. */
export function noteDerived(
  to: ReadonlyMap<string, Resource>,
  from: ReadonlyMap<string, Resource>,
  keys: Iterable<string>,
): void {
  const source = entryOf(from);
  const parent = source.depth < MAX_DEPTH ? source : trimmed(source, KEPT);
  entries.set(to, { id: nextId++, parent, keys: [...keys], depth: parent.depth + 1 });
}

/** A copy of `e` and its `keep - 1` nearest ancestors (ids and keys as they were), without the rest. */
function trimmed(e: Entry, keep: number): Entry {
  const parent = keep > 1 && e.parent ? trimmed(e.parent, keep - 1) : undefined;
  return { id: e.id, parent, keys: e.keys, depth: parent ? parent.depth + 1 : 0 };
}

/**
 * The keys that may differ between the map with id `since` and `map`, or undefined when `map` is
 * not known to derive from it.
 */
export function changedSince(map: ReadonlyMap<string, Resource>, since: number): string[] | undefined {
  const keys: string[] = [];
  for (let e: Entry | undefined = entries.get(map); e; e = e.parent) {
    if (e.id === since) return keys;
    keys.push(...e.keys);
  }
  return undefined;
}
