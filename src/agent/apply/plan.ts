/**
 * The apply planner: desired state + live state → the smallest list of typed steps that makes
 * the machine match. Pure (no I/O, no clock): the live state is read elsewhere (`live.ts`)
 * and the steps are run elsewhere (`execute.ts`). An unchanged peer yields no step, so it
 * keeps its session; the same desired state planned against its own result yields [].
 */
import type { DesiredState, FirewallConfig, InterfaceConfig, PeerConfig } from "../../model/index.js";
import { type FieldChange, show } from "../../wgconf/change-lines.js";
import type { LivePeer } from "../../wgconf/index.js";
import { firewallHash, type SetElementChange, setElementChanges } from "./firewall.js";

/**
 * Routing protocol number on every route hubwire installs (`ip route … proto 157`), so the
 * agent reads and removes only its own routes. Not in iproute2's `rt_protos` registry.
 */
export const HUBWIRE_ROUTE_PROTO = 157;

/**
 * Whether an interface name is hubwire's by convention (`hw_…`, or `hwx` + 12 hash characters
 * for long names; see compile/interfaces.ts). Anything else is never touched unless the desired
 * state names it.
 */
export function isOwnedName(name: string): boolean {
  return /^hw_[A-Za-z0-9_.-]+$/.test(name) || /^hwx[a-z2-7]{12}$/.test(name);
}

/**
 * One of our interfaces as it is now: the desired interface's name and MTU, and what the device
 * and the kernel report in place of the rest.
 */
export interface LiveInterface extends Pick<InterfaceConfig, "name" | "mtu"> {
  /** Public key of the device's private key; null when none is set. */
  readonly publicKey: string | null;
  /** The port it listens on (the kernel's choice when none was set). */
  readonly listenPort: number;
  readonly up: boolean;
  /** `addr/len`, sorted, link-local left out. */
  readonly addresses: readonly string[];
  readonly peers: readonly LivePeer[];
}

/** A route with hubwire's proto. */
export interface LiveRoute {
  readonly iface: string;
  readonly prefix: string;
  readonly metric: number;
}

/** The hubwire nftables table: whether it exists and the hash its marker chain names. */
export interface LiveFirewall {
  readonly exists: boolean;
  /** Null: no marker, or more than one. */
  readonly hash: string | null;
  /**
   * Not read, since the desired script differs from the one applied last (`exists` and `hash`
   * then say nothing): the table is changed whatever it holds, and a set-element update checks
   * in its own transaction that the table holds the script applied last.
   */
  readonly unread?: boolean;
}

/** What the planner compares the desired state with. */
export interface LiveState {
  /** Only hubwire's interfaces. */
  readonly interfaces: readonly LiveInterface[];
  /** Only routes with {@link HUBWIRE_ROUTE_PROTO}. */
  readonly routes: readonly LiveRoute[];
  readonly firewall: LiveFirewall;
  /** `net.ipv4.ip_forward` and `net.ipv6.conf.all.forwarding` (null: no IPv6 in this kernel). */
  readonly forwarding: { readonly ipv4: boolean; readonly ipv6: boolean | null };
}

/** What the planner needs besides the two states. */
export interface PlanContext {
  /** This node's public key (of the private key in the state directory). */
  readonly publicKey: string;
  /** Preshared keys by `presharedKeyRef`; a ref missing here means "no preshared key". */
  readonly presharedKeys?: ReadonlyMap<string, string>;
  /**
   * The desired state applied last. Used for endpoints: WireGuard moves a peer's endpoint when it
   * roams, so a live endpoint differing from the desired one is rewritten only when the desired
   * endpoint itself changed or the device has none. And for the firewall: a script that differs
   * from the last one only in set elements is applied as a set-element update, which the live
   * table must confirm (see `firewall.ts`), never on the strength of this value alone.
   */
  readonly previous?: DesiredState;
}

/** A peer as written by add/change steps; never holds a secret (the key is resolved by ref). */
export interface PeerWrite {
  readonly name: string;
  readonly publicKey: string;
  /** Absent: left as the device has it. */
  readonly endpoint?: string;
  readonly allowedIPs: readonly string[];
  readonly persistentKeepalive: number;
  /** Absent: left as is; null: none. */
  readonly presharedKeyRef?: string | null;
}

/** One field of a peer that differs, for the log. */
export type PeerFieldChange = FieldChange<"endpoint" | "allowedIPs" | "persistentKeepalive" | "presharedKey">;

/** One step of a plan, in the order it runs. */
export type PlanStep =
  | {
      readonly op: "replace-firewall";
      readonly table: string;
      readonly script: string;
      readonly hash: string;
    }
  | {
      readonly op: "update-firewall-sets";
      readonly table: string;
      /** Of the script applied last, which the table must hold for the update to run. */
      readonly fromHash: string;
      readonly hash: string;
      readonly changes: readonly SetElementChange[];
      /** The whole desired script, loaded instead when the table does not hold `fromHash`. */
      readonly script: string;
    }
  | { readonly op: "delete-firewall"; readonly table: string }
  | { readonly op: "enable-forwarding"; readonly family: "ipv4" | "ipv6" }
  | { readonly op: "create-interface"; readonly iface: string }
  | { readonly op: "set-private-key"; readonly iface: string }
  | {
      readonly op: "set-listen-port";
      readonly iface: string;
      readonly from: number | null;
      readonly to: number;
    }
  | { readonly op: "set-mtu"; readonly iface: string; readonly from: number | null; readonly to: number }
  | { readonly op: "set-up"; readonly iface: string }
  | { readonly op: "add-address"; readonly iface: string; readonly address: string }
  | { readonly op: "remove-address"; readonly iface: string; readonly address: string }
  | { readonly op: "remove-peer"; readonly iface: string; readonly publicKey: string }
  | { readonly op: "add-peer"; readonly iface: string; readonly peer: PeerWrite }
  | {
      readonly op: "change-peer";
      readonly iface: string;
      readonly peer: PeerWrite;
      readonly changes: readonly PeerFieldChange[];
    }
  | { readonly op: "add-route"; readonly iface: string; readonly prefix: string; readonly metric: number }
  | { readonly op: "remove-route"; readonly iface: string; readonly prefix: string; readonly metric: number }
  | { readonly op: "delete-interface"; readonly iface: string };

/**
 * The step for a desired firewall the table does not hold: a set-element update when the script
 * differs from the one applied last only in set elements and the table, if it was read, holds
 * that one; else the whole table is loaded.
 */
function firewallStep(
  fw: FirewallConfig,
  hash: string,
  live: LiveFirewall,
  previous: FirewallConfig | undefined,
): PlanStep {
  const replace: PlanStep = { op: "replace-firewall", table: fw.table, script: fw.script, hash };
  if (previous === undefined || previous.table !== fw.table) return replace;
  const fromHash = firewallHash(previous.script);
  if (!live.unread && (!live.exists || live.hash !== fromHash)) return replace;
  const changes = setElementChanges(previous.script, fw.script);
  if (changes === undefined) return replace;
  return { op: "update-firewall-sets", table: fw.table, fromHash, hash, changes, script: fw.script };
}

/** `host:port` with IPv6 in brackets, as `wg` prints it; hostnames are kept as they are. */
const isLiteralEndpoint = (e: string): boolean => /^(\d+\.\d+\.\d+\.\d+|\[[0-9a-fA-F:.]+\]):\d+$/.test(e);

/** Same as the device's sorted list, without sorting when the desired list is already sorted. */
function sameAllowedIPs(want: readonly string[], have: readonly string[]): boolean {
  if (want.length !== have.length) return false;
  let sorted = true;
  for (let i = 1; i < want.length && sorted; i++) sorted = want[i - 1]! <= want[i]!;
  const w = sorted ? want : [...want].sort();
  for (let i = 0; i < w.length; i++) if (w[i] !== have[i]) return false;
  return true;
}

/**
 * Whether the peer needs no step. Conservative: an endpoint that differs is left to
 * {@link planPeer}'s roaming rule, so this only ever skips what planPeer would also skip.
 */
function unchanged(want: PeerConfig, have: LivePeer, psk: string | null): boolean {
  return (
    (want.persistentKeepalive ?? 0) === have.persistentKeepalive &&
    psk === have.presharedKey &&
    (want.endpoint === undefined || want.endpoint === have.endpoint) &&
    sameAllowedIPs(want.allowedIPs, have.allowedIPs)
  );
}

function planPeer(
  iface: string,
  want: PeerConfig,
  have: LivePeer | undefined,
  ctx: PlanContext,
  prevPeer: (publicKey: string) => PeerConfig | undefined,
): PlanStep | undefined {
  const psk =
    want.presharedKeyRef === undefined ? null : (ctx.presharedKeys?.get(want.presharedKeyRef) ?? null);
  // The common case on a big hub: nothing differs. Checked without building anything, since
  // this runs once per peer on every apply (10,000 times for one changed spoke).
  if (have !== undefined && unchanged(want, have, psk)) return undefined;
  const write: PeerWrite = {
    name: want.name,
    publicKey: want.publicKey,
    ...(want.endpoint === undefined ? {} : { endpoint: want.endpoint }),
    allowedIPs: want.allowedIPs,
    persistentKeepalive: want.persistentKeepalive ?? 0,
    presharedKeyRef: psk === null ? null : (want.presharedKeyRef ?? null),
  };
  if (have === undefined) return { op: "add-peer", iface, peer: write };
  const changes: PeerFieldChange[] = [];
  const allowed = [...want.allowedIPs].sort();
  if (show(allowed) !== show(have.allowedIPs))
    changes.push({ field: "allowedIPs", from: show(have.allowedIPs), to: show(allowed) });
  if (write.persistentKeepalive !== have.persistentKeepalive)
    changes.push({
      field: "persistentKeepalive",
      from: show(have.persistentKeepalive || "off"),
      to: show(write.persistentKeepalive || "off"),
    });
  if (want.endpoint !== undefined && want.endpoint !== have.endpoint) {
    const roamed =
      have.endpoint !== null &&
      (prevPeer(want.publicKey)?.endpoint === want.endpoint || !isLiteralEndpoint(want.endpoint));
    if (!roamed) changes.push({ field: "endpoint", from: show(have.endpoint), to: want.endpoint });
  }
  if (psk !== have.presharedKey)
    changes.push({
      field: "presharedKey",
      from: have.presharedKey ? "(set)" : "(none)",
      to: psk ? "(set)" : "(none)",
    });
  if (changes.length === 0) return undefined;
  // Allowed IPs and keepalive are written as desired (idempotent); the endpoint only when it is
  // one of the changes, since rewriting it would undo a peer's roaming.
  const endpointChanged = changes.some((c) => c.field === "endpoint");
  const { endpoint: _e, ...rest } = write;
  return { op: "change-peer", iface, peer: endpointChanged ? write : rest, changes };
}

function planInterface(want: InterfaceConfig, have: LiveInterface | undefined, ctx: PlanContext): PlanStep[] {
  const iface = want.name;
  const steps: PlanStep[] = [];
  if (have === undefined) steps.push({ op: "create-interface", iface });
  if (have?.publicKey !== ctx.publicKey) steps.push({ op: "set-private-key", iface });
  if (want.listenPort !== undefined && have?.listenPort !== want.listenPort)
    steps.push({ op: "set-listen-port", iface, from: have?.listenPort ?? null, to: want.listenPort });
  if (have?.mtu !== want.mtu) steps.push({ op: "set-mtu", iface, from: have?.mtu ?? null, to: want.mtu });
  const haveAddrs = new Set(have?.addresses ?? []);
  const wantAddrs = new Set(want.addresses);
  for (const a of want.addresses) if (!haveAddrs.has(a)) steps.push({ op: "add-address", iface, address: a });
  for (const a of haveAddrs) if (!wantAddrs.has(a)) steps.push({ op: "remove-address", iface, address: a });
  const livePeers = new Map<string, LivePeer>();
  for (const p of have?.peers ?? []) livePeers.set(p.publicKey, p);
  // Keyed by public key: a search per peer made a 10,000-peer hub's plan O(n²) (≈ 0.3 s). The
  // previous state is looked at only for a peer whose endpoint differs (roaming), so its map is
  // built only then; live peers to remove are looked for only when some were not matched.
  let prevPeers: Map<string, PeerConfig> | undefined;
  const prevPeer = (key: string): PeerConfig | undefined => {
    if (prevPeers === undefined) {
      prevPeers = new Map();
      const prevIface = ctx.previous?.interfaces.find((i) => i.name === iface);
      for (const q of prevIface?.peers ?? []) prevPeers.set(q.publicKey, q);
    }
    return prevPeers.get(key);
  };
  const peerSteps: PlanStep[] = [];
  let matched = 0;
  for (const p of want.peers) {
    const live = livePeers.get(p.publicKey);
    if (live !== undefined) matched++;
    const step = planPeer(iface, p, live, ctx, prevPeer);
    if (step) peerSteps.push(step);
  }
  // Removals first: a prefix moving between peers is then never held by two at once.
  if (matched < livePeers.size) {
    const wantKeys = new Set(want.peers.map((p) => p.publicKey));
    for (const key of livePeers.keys())
      if (!wantKeys.has(key)) steps.push({ op: "remove-peer", iface, publicKey: key });
  }
  for (const step of peerSteps) steps.push(step);
  // Up after peers and addresses, before routes (a route needs its device up).
  if (!have?.up) steps.push({ op: "set-up", iface });
  return steps;
}

/**
 * The live routes by interface, then prefix, then metric, each marked once a desired route
 * matches it. Nested maps rather than one `iface prefix metric` string key: building and
 * hashing 20,000 joined strings was most of a 10,000-route plan's time, while the prefixes are
 * already flat strings. Marking replaces a second set of the desired routes: the live routes
 * left unmarked are the ones to remove, looked for only when some are (nearly never).
 */
class LiveRouteSet {
  private readonly byIface = new Map<string, Map<string, { metric: number; matched: boolean }[]>>();
  private size = 0;
  private matched = 0;
  constructor(routes: readonly LiveRoute[]) {
    for (const r of routes) {
      let byPrefix = this.byIface.get(r.iface);
      if (byPrefix === undefined) {
        byPrefix = new Map();
        this.byIface.set(r.iface, byPrefix);
      }
      const entries = byPrefix.get(r.prefix);
      const entry = { metric: r.metric, matched: false };
      if (entries === undefined) byPrefix.set(r.prefix, [entry]);
      else if (entries.some((e) => e.metric === r.metric)) continue;
      else entries.push(entry);
      this.size++;
    }
  }
  /** Whether the route is live; marks it as wanted. */
  match(iface: string, prefix: string, metric: number): boolean {
    const entries = this.byIface.get(iface)?.get(prefix);
    if (entries === undefined) return false;
    for (const e of entries)
      if (e.metric === metric) {
        if (!e.matched) {
          e.matched = true;
          this.matched++;
        }
        return true;
      }
    return false;
  }
  /** Whether some live route was not matched. */
  get anyUnmatched(): boolean {
    return this.matched < this.size;
  }
  /** Whether this live route was matched. */
  wanted(r: LiveRoute): boolean {
    return (
      this.byIface
        .get(r.iface)
        ?.get(r.prefix)
        ?.find((e) => e.metric === r.metric)?.matched ?? false
    );
  }
}

/** The steps that take the machine from `live` to `desired`, in execution order. */
export function planApply(desired: DesiredState, live: LiveState, ctx: PlanContext): PlanStep[] {
  const steps: PlanStep[] = [];
  // Policy before paths: the firewall is in place before a new interface carries traffic.
  const fw = desired.firewall;
  if (fw !== undefined) {
    const hash = firewallHash(fw.script);
    if (live.firewall.unread || !live.firewall.exists || live.firewall.hash !== hash)
      steps.push(firewallStep(fw, hash, live.firewall, ctx.previous?.firewall));
  } else if (live.firewall.exists) steps.push({ op: "delete-firewall", table: "hubwire" });
  // Forwarding is only ever switched on: other software on the node may rely on it too.
  if (desired.forwarding) {
    if (!live.forwarding.ipv4) steps.push({ op: "enable-forwarding", family: "ipv4" });
    const v6 = desired.interfaces.some(
      (i) => i.addresses.some((a) => a.includes(":")) || i.routes.some((r) => r.prefix.includes(":")),
    );
    if (v6 && live.forwarding.ipv6 === false) steps.push({ op: "enable-forwarding", family: "ipv6" });
  }

  const liveIfaces = new Map(live.interfaces.map((i) => [i.name, i]));
  // push(...) of a first apply's 10,000 steps would hit the argument limit: a loop instead.
  for (const want of desired.interfaces)
    for (const step of planInterface(want, liveIfaces.get(want.name), ctx)) steps.push(step);

  const wantNames = new Set(desired.interfaces.map((i) => i.name));
  const gone = live.interfaces.filter((i) => !wantNames.has(i.name)).map((i) => i.name);
  const liveRoutes = new LiveRouteSet(live.routes);
  // New paths before old ones go, so a moved prefix is never without a route. One pass, no
  // copies: a hub has a route per spoke subnet, and this runs on every apply.
  for (const i of desired.interfaces)
    for (const r of i.routes)
      if (!liveRoutes.match(i.name, r.prefix, r.metric))
        steps.push({ op: "add-route", iface: i.name, prefix: r.prefix, metric: r.metric });
  if (liveRoutes.anyUnmatched) {
    const goneNames = new Set(gone);
    for (const r of live.routes)
      if (!liveRoutes.wanted(r) && !goneNames.has(r.iface)) steps.push({ op: "remove-route", ...r });
  }
  for (const iface of gone) steps.push({ op: "delete-interface", iface });
  return steps;
}
