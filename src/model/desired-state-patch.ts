/**
 * A desired state sent as its difference from the one the agent has (agent wire protocol 1,
 * hubwire 0.3). A hub with 10,000 spokes has a state of several megabytes; one spoke joining
 * changes a peer, a route and a firewall set element of it. The agent asks for a patch by sending
 * the revision it holds (`have`) with `patch=1`; a controller that still knows that revision's
 * state answers with a `NodeConfigPatch` from it, else with the whole state as before.
 *
 * A patch is exact: applied to the state of revision `base` it gives the state of revision
 * `revision`, field for field and in the same order (so the agent's saved copy is what a full
 * answer would have been). Arrays are sent as splices in the base's positions; the firewall
 * script as splices of its text. Interfaces are matched by name.
 */
import { z } from "zod";
import {
  type DesiredState,
  DesiredStateRefused,
  desiredStateFields,
  desiredStateOf,
  type FirewallConfig,
  type InterfaceConfig,
  interfaceConfigSchema,
  type PeerConfig,
  peerConfigSchema,
  type RouteConfig,
  refusal,
  routeConfigSchema,
} from "./desired-state.js";

/** `[at, deleteCount, insert]`: replace `deleteCount` items of the base from index `at` by `insert`. */
export type Splice<T> = readonly [at: number, deleteCount: number, insert: readonly T[]];

/** An interface the base has too (by name), with its long lists as splices. */
export interface InterfacePatch extends Omit<InterfaceConfig, "peers" | "routes"> {
  readonly peers: readonly Splice<PeerConfig>[];
  readonly routes: readonly Splice<RouteConfig>[];
}

export interface DesiredStatePatch
  extends Omit<DesiredState, "kind" | "interfaces" | "firewall" | "revision"> {
  readonly kind: "NodeConfigPatch";
  /** The revision this patch applies to. */
  readonly base: string;
  /** The revision of the result. */
  readonly revision: string;
  /** The result's interfaces in order: `patch` names one of the base (its splices), else whole. */
  readonly interfaces: readonly ({ readonly patch: InterfacePatch } | { readonly whole: InterfaceConfig })[];
  /** Absent: the result has no firewall; `edits`: the base's script with these text splices. */
  readonly firewall?:
    | { readonly whole: FirewallConfig }
    | { readonly table: string; readonly edits: readonly Splice<string>[] };
}

// ---------------------------------------------------------------------------------------------
// Building a patch (controller side)

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Equal peers: every field of PeerConfig (a test fails when a field is added and not here). */
export function samePeer(a: PeerConfig, b: PeerConfig): boolean {
  return (
    a === b ||
    (a.publicKey === b.publicKey &&
      a.name === b.name &&
      a.endpoint === b.endpoint &&
      a.persistentKeepalive === b.persistentKeepalive &&
      a.presharedKeyRef === b.presharedKeyRef &&
      a.override === b.override &&
      sameList(a.allowedIPs, b.allowedIPs))
  );
}

/** Equal routes: every field of RouteConfig (tested as samePeer is). */
export const sameRoute = (a: RouteConfig, b: RouteConfig) =>
  a === b || (a.prefix === b.prefix && a.metric === b.metric);

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

/**
 * How a firewall script was built: `head + body + tail`, the body shared by every hub of a network.
 * A 630 KB script that JavaScript holds as such a rope must be copied whole (flattened) before any
 * of its characters can be compared, ≈ 2 ms per hub on this machine and far more under load; with
 * the parts known, a patch compares only the bodies, which are flat and, for the hubs of one change,
 * the same two strings (their splices are computed once). States read back from storage have no
 * parts and are compared as text.
 */
const scriptParts = new WeakMap<FirewallConfig, readonly [head: string, body: string, tail: string]>();

/** Records that `firewall.script` is `head + body + tail` (the compiler, as it builds the script). */
export function noteScriptParts(firewall: FirewallConfig, head: string, body: string, tail: string): void {
  scriptParts.set(firewall, [head, body, tail]);
}

let lastBodies: { readonly a: string; readonly b: string; readonly edits: Splice<string>[] } | undefined;

/** Text splices from `a`'s script to `b`'s. */
function scriptSplices(a: FirewallConfig, b: FirewallConfig): Splice<string>[] {
  const pa = scriptParts.get(a);
  const pb = scriptParts.get(b);
  if (!pa || !pb || pa[0] !== pb[0] || pa[2] !== pb[2]) return textSplices(a.script, b.script);
  if (lastBodies?.a !== pa[1] || lastBodies.b !== pb[1])
    lastBodies = { a: pa[1], b: pb[1], edits: textSplices(pa[1], pb[1]) };
  const shift = pa[0].length;
  return lastBodies.edits.map(([at, del, insert]) => [at + shift, del, insert]);
}

const peerKey = (p: PeerConfig) => p.publicKey;
const routeKey = (r: RouteConfig) => `${r.prefix} ${r.metric}`;

/** The patch from `base` to `next` (states of one node). */
export function diffDesiredStates(base: DesiredState, next: DesiredState): DesiredStatePatch {
  const { interfaces, firewall, kind: _kind, revision, ...head } = next;
  const byName = new Map(base.interfaces.map((i) => [i.name, i]));
  return {
    ...head,
    kind: "NodeConfigPatch",
    base: base.revision,
    revision,
    interfaces: interfaces.map((iface) => {
      const was = byName.get(iface.name);
      if (!was) return { whole: iface };
      const { peers, routes, ...fields } = iface;
      return {
        patch: {
          ...fields,
          peers: listSplices(was.peers, peers, peerKey, samePeer),
          routes: listSplices(was.routes, routes, routeKey, sameRoute),
        },
      };
    }),
    ...(firewall === undefined
      ? {}
      : {
          firewall:
            base.firewall && base.firewall.table === firewall.table
              ? { table: firewall.table, edits: scriptSplices(base.firewall, firewall) }
              : { whole: firewall },
        }),
  };
}

// ---------------------------------------------------------------------------------------------
// Reading and applying a patch (agent side)

const splice = <T extends z.ZodType>(item: T) =>
  z.tuple([z.number().int().min(0), z.number().int().min(0), z.array(item)]);

/** The wire schema of a patch: what it inserts is checked as a whole state's items are. */
export const desiredStatePatchSchema = z
  .object({
    ...desiredStateFields,
    kind: z.literal("NodeConfigPatch"),
    base: z.string().min(1).max(128),
    interfaces: z
      .array(
        z.union([
          z.strictObject({
            patch: interfaceConfigSchema.extend({
              peers: z.array(splice(peerConfigSchema)).max(100_000),
              routes: z.array(splice(routeConfigSchema)).max(200_000),
            }),
          }),
          z.strictObject({ whole: interfaceConfigSchema }),
        ]),
      )
      .max(1024),
    firewall: z
      .union([
        z.strictObject({ whole: desiredStateFields.firewall.unwrap() }),
        z.strictObject({
          table: z.string().min(1).max(64),
          edits: z.array(splice(z.string().max(16 * 1024 * 1024))).max(100_000),
        }),
      ])
      .optional(),
  })
  .meta({ description: "A node's desired state as a patch of the revision the agent has" });

/** A splice starts at or after the previous one's end and stays inside the base. */
function inOrder(from: number, del: number, at: number, length: number, what: string): void {
  if (from < at || from + del > length) refuse(`${what}: splice at ${from} is out of order or range`);
}

function applySplices<T>(base: readonly T[], edits: readonly Splice<T>[], what: string): T[] {
  const out: T[] = [];
  let at = 0;
  for (const [from, del, insert] of edits) {
    inOrder(from, del, at, base.length, what);
    for (let k = at; k < from; k++) out.push(base[k]!);
    for (const item of insert) out.push(item);
    at = from + del;
  }
  for (let k = at; k < base.length; k++) out.push(base[k]!);
  return out;
}

function applyTextSplices(base: string, edits: readonly Splice<string>[]): string {
  let out = "";
  let at = 0;
  for (const [from, del, insert] of edits) {
    inOrder(from, del, at, base.length, "firewall");
    out += base.slice(at, from) + insert.join("");
    at = from + del;
  }
  return out + base.slice(at);
}

/**
 * The state `patch` describes, from `base` (the state of revision `patch.base`); throws
 * {@link DesiredStateRefused} when it does not apply (another base, a splice out of range).
 */
export function applyDesiredStatePatch(base: DesiredState, patch: DesiredStatePatch): DesiredState {
  if (patch.base !== base.revision)
    refuse(`it applies to revision ${patch.base}, this agent has ${base.revision}`);
  const { interfaces, firewall, kind: _kind, base: _base, ...head } = patch;
  const byName = new Map(base.interfaces.map((i) => [i.name, i]));
  return {
    ...head,
    kind: "NodeConfig",
    interfaces: interfaces.map((entry) => {
      if ("whole" in entry) return entry.whole;
      const { peers, routes, ...fields } = entry.patch;
      const was = byName.get(fields.name);
      if (!was) refuse(`interface ${fields.name} is not in the base`);
      return {
        ...fields,
        peers: applySplices(was.peers, peers, `interfaces.${fields.name}.peers`),
        routes: applySplices(was.routes, routes, `interfaces.${fields.name}.routes`),
      };
    }),
    ...(firewall === undefined
      ? {}
      : {
          firewall:
            "whole" in firewall
              ? firewall.whole
              : {
                  table: firewall.table,
                  script: applyTextSplices(
                    base.firewall?.table === firewall.table
                      ? base.firewall.script
                      : refuse(`the base has no firewall table ${firewall.table}`),
                    firewall.edits,
                  ),
                },
        }),
  };
}

function refuse(why: string): never {
  throw new DesiredStateRefused(`desired state patch refused: ${why}`);
}

/** A controller's answer to a long poll: a whole state, or a patch (of `base` only). */
export function parseDesiredStateAnswer(text: string, base: DesiredState | undefined): DesiredState {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new DesiredStateRefused(`desired state is not JSON: ${(e as Error).message}`);
  }
  if ((value as { kind?: unknown } | null)?.kind !== "NodeConfigPatch") return desiredStateOf(value);
  if (!base) refuse("a patch came, but this agent asked for the whole state");
  const parsed = desiredStatePatchSchema.safeParse(value);
  if (!parsed.success) throw refusal("desired state patch refused", parsed.error);
  return applyDesiredStatePatch(base, parsed.data);
}
