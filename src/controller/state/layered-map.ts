/**
 * The intent map of a write without a copy of the intent: a shared base map (never modified)
 * under a small layer of the keys set or deleted since. Each write made `new Map(intent)` of every
 * resource (10,000 entries at 10,000 nodes) and the garbage of it was the largest single item of
 * a profile of 50 clients creating spokes. A layer is copied into the next write's map (it stays
 * small), and once it holds more than MAX_LAYER keys the next map is flattened into a fresh base,
 * so a write costs O(MAX_LAYER + n / MAX_LAYER) instead of O(n).
 *
 * Iteration yields the base's keys in their order (with the layer's values), then the keys the
 * layer added, in the order they were added. That is a Map's order except for a key deleted and
 * set again (a Map moves it to the end): nothing reading intent maps depends on their order (a
 * reload gives them in kind and name order, a write in insertion order).
 */

/** Marks a key the layer deleted. */
const GONE: unique symbol = Symbol("gone");

/** Keys a layer holds before the next map flattens it. */
export const MAX_LAYER = 128;

export class LayeredMap<V> implements ReadonlyMap<string, V> {
  private readonly base: ReadonlyMap<string, V>;
  private readonly layer: Map<string, V | typeof GONE>;
  private count: number;

  /** A map with the entries of `from`, to change with `set` and `delete`; `from` is not modified. */
  constructor(from: ReadonlyMap<string, V>) {
    if (from instanceof LayeredMap) {
      const layered = from as LayeredMap<V>;
      if (layered.layer.size < MAX_LAYER) {
        this.base = layered.base;
        this.layer = new Map(layered.layer);
      } else {
        this.base = new Map(layered);
        this.layer = new Map();
      }
    } else {
      this.base = from;
      this.layer = new Map();
    }
    this.count = from.size;
  }

  get size(): number {
    return this.count;
  }

  get(key: string): V | undefined {
    const v = this.layer.get(key);
    if (v === GONE) return undefined;
    return v !== undefined || this.layer.has(key) ? (v as V) : this.base.get(key);
  }

  has(key: string): boolean {
    const v = this.layer.get(key);
    if (v === GONE) return false;
    return v !== undefined || this.layer.has(key) || this.base.has(key);
  }

  set(key: string, value: V): this {
    if (!this.has(key)) this.count++;
    this.layer.set(key, value);
    return this;
  }

  delete(key: string): boolean {
    if (!this.has(key)) return false;
    this.count--;
    if (this.base.has(key)) this.layer.set(key, GONE);
    else this.layer.delete(key);
    return true;
  }

  *entries(): MapIterator<[string, V]> {
    const { base, layer } = this;
    for (const entry of base) {
      if (!layer.has(entry[0])) {
        yield entry;
        continue;
      }
      const v = layer.get(entry[0]);
      if (v !== GONE) yield [entry[0], v as V];
    }
    for (const [key, v] of layer) if (v !== GONE && !base.has(key)) yield [key, v as V];
  }

  *keys(): MapIterator<string> {
    for (const [key] of this.entries()) yield key;
  }

  *values(): MapIterator<V> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }

  forEach(fn: (value: V, key: string, map: ReadonlyMap<string, V>) => void, thisArg?: unknown): void {
    for (const [key, value] of this.entries()) fn.call(thisArg, value, key, this);
  }
}
