/**
 * Splices that turn one list or text into another: what a desired-state patch sends for a hub's
 * long peer and route lists and its firewall script. Pure; any alignment is correct, a good one small.
 */

/** `[at, deleteCount, insert]`: replace `deleteCount` items of the base from index `at` by `insert`. */
export type Splice<T> = readonly [at: number, deleteCount: number, insert: readonly T[]];

/** How far ahead `listSplices` looks for an item before it builds the key maps. */
const LOOKAHEAD = 8;

/**
 * Splices that turn `base` into `next`. Items are aligned by `key` (unique in practice: a peer's
 * public key, a route's prefix and metric); any alignment gives a correct patch, a good one a
 * small patch. Equal runs cost one comparison per item (`same`, which should check identity first); where the lists part, a few items ahead are
 * looked at first, and only a change larger than that builds the maps of keys (linear).
 */
export function listSplices<T>(
  base: readonly T[],
  next: readonly T[],
  key: (item: T) => string,
  same: (a: T, b: T) => boolean,
): Splice<T>[] {
  if (base === next) return [];
  let maps: { inBase: Map<string, number>; inNext: Map<string, number> } | undefined;
  const indexes = () => {
    if (!maps) {
      maps = { inBase: new Map(), inNext: new Map() };
      for (let i = 0; i < base.length; i++) maps.inBase.set(key(base[i]!), i);
      for (let j = 0; j < next.length; j++) maps.inNext.set(key(next[j]!), j);
    }
    return maps;
  };
  /** Whether `k` is the key of one of the few items of `list` after `from` (it is nearer than k's). */
  const soon = (list: readonly T[], from: number, k: string) => {
    for (let n = from + 1; n < list.length && n <= from + LOOKAHEAD; n++)
      if (key(list[n]!) === k) return true;
    return false;
  };
  const out: [number, number, T[]][] = [];
  const edit = (at: number, del: number, insert?: T) => {
    const last = out[out.length - 1];
    if (last && last[0] + last[1] === at) {
      last[1] += del;
      if (insert !== undefined) last[2].push(insert);
    } else out.push([at, del, insert === undefined ? [] : [insert]]);
  };
  let i = 0;
  let j = 0;
  /** Items replaced in a row without knowing whether they appear elsewhere. */
  let blind = 0;
  while (i < base.length || j < next.length) {
    if (i === base.length) edit(i, 0, next[j++]);
    else if (j === next.length) edit(i++, 1);
    else {
      const a = base[i]!;
      const b = next[j]!;
      // Identity first, inline: most items of a hub's next state are the objects of the last one.
      if (a === b || same(a, b)) {
        i++;
        j++;
        blind = 0;
        continue;
      }
      const ka = key(a);
      const kb = key(b);
      if (ka === kb) {
        edit(i, 1, b);
        i++;
        j++;
      } else if (soon(base, i, kb)) {
        edit(i++, 1); // a few base items were removed before b
      } else if (soon(next, j, ka)) {
        edit(i, 0, next[j++]); // a few items were inserted before a
      } else if (!maps && blind < LOOKAHEAD) {
        // Most likely one item replaced by another (a route that moved); a longer run of these
        // means a larger insertion or removal, which the key maps then align.
        blind++;
        edit(i++, 1, next[j++]);
      } else {
        const { inBase, inNext } = indexes();
        if ((inBase.get(kb) ?? -1) < i) edit(i, 0, next[j++]);
        else if ((inNext.get(ka) ?? -1) < j) edit(i++, 1);
        else edit(i++, 1); // both appear later on the other side: moved; re-inserted when reached
      }
    }
  }
  return out;
}

/**
 * Text splices turning `base` into `next`: the common head and tail are skipped, and the lines
 * between are spliced one by one when both sides have as many (a set's elements are one line).
 */
export function textSplices(base: string, next: string): Splice<string>[] {
  if (base === next) return [];
  // Whole lines only: back to the line starts and ends around the differing middle.
  const [at, del, [insert]] = trimmedSplice(base, next, 0);
  const from = at === 0 ? 0 : base.lastIndexOf("\n", at - 1) + 1;
  const endA = lineEnd(base, at + del);
  const endB = lineEnd(next, at + insert!.length);
  const a = base.slice(from, endA).split("\n");
  const b = next.slice(from, endB).split("\n");
  if (a.length !== b.length) return [[at, del, [insert!]]];
  const out: Splice<string>[] = [];
  let offset = from;
  for (let l = 0; l < a.length; l++) {
    if (a[l] !== b[l]) out.push(trimmedSplice(a[l]!, b[l]!, offset));
    offset += a[l]!.length + 1;
  }
  return out;
}

function lineEnd(text: string, at: number): number {
  const end = text.indexOf("\n", at);
  return end === -1 ? text.length : end;
}

/**
 * Characters compared at once while trimming: equality of two substrings is a native comparison
 * (a hub's script is ≈ 630 KB at 10,000 spokes; compared a character at a time from JavaScript
 * that took ≈ 8 ms per hub answer, by chunks ≈ 0.5 ms).
 */
const CHUNK = 512;

function trimmedSplice(a: string, b: string, offset: number): Splice<string> {
  const shorter = Math.min(a.length, b.length);
  let head = 0;
  while (head + CHUNK <= shorter && a.substring(head, head + CHUNK) === b.substring(head, head + CHUNK))
    head += CHUNK;
  while (head < shorter && a.charCodeAt(head) === b.charCodeAt(head)) head++;
  const room = shorter - head;
  let tail = 0;
  while (
    tail + CHUNK <= room &&
    a.substring(a.length - tail - CHUNK, a.length - tail) ===
      b.substring(b.length - tail - CHUNK, b.length - tail)
  )
    tail += CHUNK;
  while (tail < room && a.charCodeAt(a.length - 1 - tail) === b.charCodeAt(b.length - 1 - tail)) tail++;
  return [offset + head, a.length - head - tail, [b.slice(head, b.length - tail)]];
}
