/**
 * The hubwire nftables table as the agent loads and changes it. Pure (no I/O).
 *
 * A loaded table names the script it holds by an empty marker chain, `applied_sha256_<hash>`,
 * not by a comment: the kernel keeps a table's comment as first created, whereas a chain can be
 * deleted and added again inside the same transaction. That makes a set-element update a
 * compare-and-swap: its script first deletes the marker of the script applied last, so when the
 * live table holds anything else (deleted, replaced, or left by another version) the whole
 * transaction fails and changes nothing, and the caller loads the table whole instead.
 *
 * When the desired script differs from the one applied last only inside `elements = { … }` of
 * auto-merged interval sets (a spoke joining or leaving a rule's sets), the update deletes and
 * adds those intervals only. The kernel holds such a set as maximal intervals (auto-merge joins
 * overlapping and adjacent elements) and `nft` deletes only an interval that is there exactly,
 * so both scripts' sets are merged first: an interval of the old set that is not one of the new
 * is deleted whole, one of the new that is not in the old is added. What is added never touches
 * what stays (both are maximal intervals of the new set), so the result holds the same
 * intervals as the new script loaded whole.
 */
import { createHash } from "node:crypto";
import { familyBits, formatIp, type IpFamily, parseIp, parsePrefix, prefixEnd } from "../../netaddr/index.js";

/** SHA-256 of a firewall script (the compiler's, before {@link stampFirewallScript}). */
export function firewallHash(script: string): string {
  return createHash("sha256").update(script).digest("hex");
}

/** The marker chain of a loaded script (see the module comment). */
export function markerChain(hash: string): string {
  return `applied_sha256_${hash}`;
}

/** What the marker chain's comment tells someone reading the table. */
const MARKER_COMMENT = "hubwire: names the script this table holds; changed only with the table";

/** Where a terse listing shows a marker chain: its hash is group 1. */
export const MARKER_LINE = /^\tchain applied_sha256_([0-9a-f]{64}) \{$/gm;

/**
 * The script that is loaded: the compiler's, with the marker chain as the last statement of the
 * table block it ends with, where a set-element update adds it again (chains are listed in the
 * order they were added, so a table updated in place lists as one loaded whole).
 */
export function stampFirewallScript(table: string, script: string, hash: string): string {
  const head = `table inet ${table} {\n`;
  if (script.lastIndexOf(head) < 0 || !script.endsWith("\n}\n"))
    throw new Error(`firewall script does not end with the block of table inet ${table}`);
  const marker = `  chain ${markerChain(hash)} {\n    comment "${MARKER_COMMENT}"\n  }\n`;
  return `${script.slice(0, -2)}${marker}}\n`;
}

/** One named set whose elements differ, as the intervals to delete and to add (nft syntax). */
export interface SetElementChange {
  readonly set: string;
  readonly remove: readonly string[];
  readonly add: readonly string[];
}

/** `elements = { … }` of one set; the text between is the script's shape. */
const ELEMENTS = /elements = \{ ([^{}]*) \}/;
/** The declaration a changed set must have, ending the text before its elements. */
const SET_HEAD = /^ {2}set ([A-Za-z0-9_]+) \{ type (ipv4_addr|ipv6_addr); flags interval; auto-merge; $/;

/**
 * The set-element changes that take a table loaded from `from` to what loading `to` gives; [] for
 * the same elements. Undefined when anything but elements differs (rules, chains, interfaces,
 * set declarations) or a changed set is not an auto-merged interval set of addresses whose
 * elements all parse: then only loading the table whole is known to be right.
 */
export function setElementChanges(from: string, to: string): SetElementChange[] | undefined {
  const a = from.split(ELEMENTS);
  const b = to.split(ELEMENTS);
  if (a.length !== b.length) return undefined;
  // Even indexes: the text between element lists; odd: the element lists themselves.
  for (let i = 0; i < a.length; i += 2) if (a[i] !== b[i]) return undefined;
  const changes: SetElementChange[] = [];
  // Rules share sides: the same element list stands in several sets, and is parsed once.
  const memo = new Map<string, Intervals<number> | Intervals<bigint> | null>();
  for (let i = 1; i < a.length; i += 2) {
    if (a[i] === b[i]) continue;
    const before = a[i - 1]!;
    const head = SET_HEAD.exec(before.slice(before.lastIndexOf("\n") + 1));
    if (!head) return undefined;
    const change = intervalDiff(head[1]!, head[2] === "ipv4_addr" ? 4 : 6, a[i]!, b[i]!, memo);
    if (change === undefined) return undefined;
    if (change.remove.length > 0 || change.add.length > 0) changes.push(change);
  }
  return changes;
}

/** Maximal intervals, sorted: `start[i]`–`end[i]` (IPv4 as numbers, IPv6 as bigints). */
interface Intervals<T extends number | bigint> {
  readonly start: T[];
  readonly end: T[];
}

function intervalDiff(
  set: string,
  family: IpFamily,
  oldText: string,
  newText: string,
  memo: Map<string, Intervals<number> | Intervals<bigint> | null>,
): SetElementChange | undefined {
  const of = (text: string) => {
    let iv = memo.get(text);
    if (iv === undefined) {
      iv = (family === 4 ? intervals4(text) : intervals6(text)) ?? null;
      memo.set(text, iv);
    }
    return iv;
  };
  const old = of(oldText);
  const now = of(newText);
  if (old === null || now === null) return undefined;
  const show = (iv: Intervals<number | bigint>, i: number) =>
    showInterval(BigInt(iv.start[i]!), BigInt(iv.end[i]!), family);
  // Both sorted and disjoint: one merge-like walk finds the intervals only one side has.
  const remove: string[] = [];
  const add: string[] = [];
  let i = 0;
  let j = 0;
  while (i < old.start.length || j < now.start.length) {
    const a = i < old.start.length ? old.start[i]! : undefined;
    const b = j < now.start.length ? now.start[j]! : undefined;
    if (a !== undefined && b !== undefined && a === b && old.end[i] === now.end[j]) {
      i++;
      j++;
    } else if (b === undefined || (a !== undefined && a <= b)) remove.push(show(old, i++));
    else add.push(show(now, j++));
  }
  return { set, remove, add };
}

/** Sorts parallel start/end lists by start and merges overlapping and adjacent intervals. */
function merge<T extends number | bigint>(start: T[], end: T[], one: T): Intervals<T> {
  const order = start.map((_, i) => i);
  let sorted = true;
  for (let i = 1; i < start.length && sorted; i++) sorted = start[i - 1]! <= start[i]!;
  if (!sorted) order.sort((x, y) => (start[x]! < start[y]! ? -1 : start[x]! > start[y]! ? 1 : 0));
  const out: Intervals<T> = { start: [], end: [] };
  for (const k of order) {
    const n = out.start.length;
    const s = start[k]!;
    const e = end[k]!;
    // `end + 1`: adjacent intervals merge too, as nft's auto-merge joins them.
    if (n > 0 && s <= (out.end[n - 1]! as bigint) + (one as bigint)) {
      if (e > out.end[n - 1]!) out.end[n - 1] = e;
    } else {
      out.start.push(s);
      out.end.push(e);
    }
  }
  return out;
}

/** An IPv4 dotted quad at `text[from, to)` as a number; NaN unless canonical. */
function quad(text: string, from: number, to: number): number {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0) return Number.NaN;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      // No leading zeros: `010` is refused as the compiler never writes it.
      if (digits > 0 && octet === 0) return Number.NaN;
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return Number.NaN;
    } else return Number.NaN;
  }
  if (dots !== 3 || digits === 0) return Number.NaN;
  return value * 256 + octet;
}

/** A prefix length at `text[from, to)`: 0–32 without leading zeros; 33 when not one. */
function prefixLength(text: string, from: number, to: number): number {
  if (to - from < 1 || to - from > 2) return 33;
  const d0 = text.charCodeAt(from) - 48;
  if (d0 < 0 || d0 > 9) return 33;
  if (to - from === 1) return d0;
  const d1 = text.charCodeAt(from + 1) - 48;
  if (d0 === 0 || d1 < 0 || d1 > 9) return 33;
  return d0 * 10 + d1;
}

/**
 * IPv4 elements (`a`, `a/len`, `a-b`) as merged intervals; undefined if one does not parse or
 * has host bits set. Parsed by hand into numbers, and a prefix kept as one sortable number
 * (`start · 64 + host bits`) so the list sorts as a typed array: a 10,000-spoke hub's sets hold
 * 20,000 elements each, and bigint prefixes with a comparator sort made the diff ≈ 100 ms there.
 */
function intervals4(text: string): Intervals<number> | undefined {
  const keys: number[] = [];
  // Ranges (`a-b`, which the compiler does not write) do not fit a key: merged the slow way.
  const rangeStart: number[] = [];
  const rangeEnd: number[] = [];
  let at = 0;
  while (at <= text.length) {
    let next = text.indexOf(", ", at);
    if (next < 0) next = text.length;
    // Looked for within the element only: indexOf over the rest of the text made this O(n²).
    let slash = -1;
    let dash = -1;
    for (let i = at; i < next; i++) {
      const c = text.charCodeAt(i);
      if (c === 47) slash = i;
      else if (c === 45) dash = i;
    }
    if (dash >= 0) {
      if (slash >= 0) return undefined;
      const lo = quad(text, at, dash);
      const hi = quad(text, dash + 1, next);
      if (!(lo <= hi)) return undefined; // NaN too
      rangeStart.push(lo);
      rangeEnd.push(hi);
    } else {
      const s = quad(text, at, slash >= 0 ? slash : next);
      const hostBits = slash >= 0 ? 32 - prefixLength(text, slash + 1, next) : 0;
      if (Number.isNaN(s) || hostBits < 0 || s % 2 ** hostBits !== 0) return undefined;
      keys.push(s * 64 + hostBits);
    }
    at = next + 2;
  }
  const sorted = Float64Array.from(keys).sort();
  if (rangeStart.length === 0) {
    const out: Intervals<number> = { start: [], end: [] };
    for (const key of sorted) {
      const hostBits = key % 64;
      const s = (key - hostBits) / 64;
      const e = s + 2 ** hostBits - 1;
      const n = out.start.length;
      // `end + 1`: adjacent intervals merge too, as nft's auto-merge joins them.
      if (n > 0 && s <= out.end[n - 1]! + 1) {
        if (e > out.end[n - 1]!) out.end[n - 1] = e;
      } else {
        out.start.push(s);
        out.end.push(e);
      }
    }
    return out;
  }
  for (const key of sorted) {
    const hostBits = key % 64;
    const s = (key - hostBits) / 64;
    rangeStart.push(s);
    rangeEnd.push(s + 2 ** hostBits - 1);
  }
  return merge(rangeStart, rangeEnd, 1);
}

/** IPv6 elements as merged intervals, through netaddr's parser; undefined if one does not parse. */
function intervals6(text: string): Intervals<bigint> | undefined {
  const start: bigint[] = [];
  const end: bigint[] = [];
  for (const e of text.split(", ")) {
    const dash = e.indexOf("-");
    if (dash >= 0) {
      const lo = parseIp(e.slice(0, dash));
      const hi = parseIp(e.slice(dash + 1));
      if (lo?.family !== 6 || hi?.family !== 6 || lo.value > hi.value) return undefined;
      start.push(lo.value);
      end.push(hi.value);
    } else if (e.includes("/")) {
      const p = parsePrefix(e);
      if (!p.ok || p.prefix.family !== 6) return undefined;
      start.push(p.prefix.start);
      end.push(prefixEnd(p.prefix));
    } else {
      const ip = parseIp(e);
      if (ip?.family !== 6) return undefined;
      start.push(ip.value);
      end.push(ip.value);
    }
  }
  return merge(start, end, 1n);
}

/** `a`, `a/len` when the interval is one prefix, else `a-b`. */
function showInterval(start: bigint, end: bigint, family: IpFamily): string {
  const ip = (value: bigint) => formatIp({ family, value });
  if (start === end) return ip(start);
  const size = end - start + 1n;
  if ((size & (size - 1n)) === 0n && start % size === 0n)
    return `${ip(start)}/${familyBits(family) - (size.toString(2).length - 1)}`;
  return `${ip(start)}-${ip(end)}`;
}

/**
 * The `nft -f` script of a set-element update: one transaction that swaps the marker of `fromHash`
 * for that of `toHash` (failing, with nothing changed, when the live table has no marker of
 * `fromHash`), deleting every interval before adding any (an added one may cover a deleted one).
 */
export function setUpdateScript(
  table: string,
  fromHash: string,
  toHash: string,
  changes: readonly SetElementChange[],
): string {
  return `${setUpdateCommands(table, fromHash, toHash, changes).join("\n")}\n`;
}

/**
 * The same transaction as {@link setUpdateScript} as one line of `;`-separated commands, which
 * `nft -i` runs as one transaction (see `nft-session.ts`).
 */
export function setUpdateLine(
  table: string,
  fromHash: string,
  toHash: string,
  changes: readonly SetElementChange[],
): string {
  return setUpdateCommands(table, fromHash, toHash, changes).join("; ");
}

function setUpdateCommands(
  table: string,
  fromHash: string,
  toHash: string,
  changes: readonly SetElementChange[],
): string[] {
  const lines = [`delete chain inet ${table} ${markerChain(fromHash)}`];
  for (const c of changes)
    if (c.remove.length > 0) lines.push(`delete element inet ${table} ${c.set} { ${c.remove.join(", ")} }`);
  for (const c of changes)
    if (c.add.length > 0) lines.push(`add element inet ${table} ${c.set} { ${c.add.join(", ")} }`);
  lines.push(`add chain inet ${table} ${markerChain(toHash)} { comment "${MARKER_COMMENT}"; }`);
  return lines;
}
