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
import { listSplices, type Splice, textSplices } from "./splices.js";

export { listSplices, type Splice, textSplices } from "./splices.js";

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
