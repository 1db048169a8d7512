/**
 * The live state the planner compares with: read from the machine, never from memory, so an
 * apply after a crash, a manual change or a half-finished run sees what really is there.
 * Only hubwire's things are read: WireGuard interfaces that are ours (see {@link isOwnedName}),
 * routes with hubwire's `proto`, the `inet hubwire` nftables table.
 */
import type { Runner } from "../exec.js";
import type { WgBackend } from "../wg/backend.js";
import { MARKER_LINE } from "./firewall.js";
import { NftSession, NftSessionError } from "./nft-session.js";
import {
  HUBWIRE_ROUTE_PROTO,
  isOwnedName,
  type LiveFirewall,
  type LiveInterface,
  type LiveRoute,
  type LiveState,
} from "./plan.js";

interface IpAddr {
  ifname: string;
  mtu: number;
  flags?: string[];
  addr_info?: { family: string; local: string; prefixlen: number; scope?: string }[];
}
interface IpRoute {
  dst: string;
  dev?: string;
  metric?: number;
  /** Absent for the main table. */
  table?: string;
}

/** `10.0.0.1` → `10.0.0.1/32`: `ip -j route` prints host routes without a length. */
function withLength(dst: string): string {
  if (dst.includes("/")) return dst;
  return dst.includes(":") ? `${dst}/128` : `${dst}/32`;
}

interface IpNetconf {
  family: string;
  interface?: string;
  forwarding?: boolean;
}

/** What one `ip -j -batch` read gives: links with addresses, hubwire's routes, forwarding. */
export interface LinksAndRoutes {
  readonly addrs: IpAddr[];
  readonly routes: LiveRoute[];
  /** Absent unless asked for. */
  readonly forwarding?: LiveState["forwarding"];
}

/**
 * Links with their addresses (`addr show` carries each link's flags and MTU), hubwire's routes
 * of both families and, with `forwarding`, the `all` forwarding switches (`netconf show`: the
 * same values as `net.ipv4.ip_forward` and `net.ipv6.conf.all.forwarding`), in one `ip`
 * process. Each process the agent starts blocks its event loop while it spawns (≈ 10–20 ms
 * here) and costs more in starting and printing than the kernel's work, so one read, not four.
 */
export async function readLinksAndRoutes(
  runner: Runner,
  opts: { forwarding?: boolean } = {},
): Promise<LinksAndRoutes> {
  const out = (
    await runner.run("ip", ["-j", "-batch", "-"], {
      // `table all` lists both families at once; only the main table is hubwire's (below).
      input: `addr show\nroute show table all proto ${HUBWIRE_ROUTE_PROTO}\n${opts.forwarding ? "netconf show\n" : ""}`,
      spooled: true,
    })
  ).stdout;
  const docs = out.split("\n").filter((l) => l.trim() !== "");
  const want = opts.forwarding ? 3 : 2;
  if (docs.length !== want)
    throw new Error(
      `ip -j -batch: expected ${want} JSON answers (addr, route${opts.forwarding ? ", netconf" : ""}), got ${docs.length}`,
    );
  const addrs = JSON.parse(docs[0]!) as IpAddr[];
  const routes = (JSON.parse(docs[1]!) as IpRoute[])
    .filter((r): r is IpRoute & { dev: string } => r.dev !== undefined && (r.table ?? "main") === "main")
    .map((r) => ({ iface: r.dev, prefix: withLength(r.dst), metric: r.metric ?? 0 }));
  if (!opts.forwarding) return { addrs, routes };
  return { addrs, routes, forwarding: forwardingOf(JSON.parse(docs[2]!) as IpNetconf[]) };
}

/** The `all` entries of `ip -j netconf show`; a kernel without IPv6 has no inet6 entry (null). */
function forwardingOf(entries: readonly IpNetconf[]): LiveState["forwarding"] {
  const all = (family: string) => entries.find((e) => e.family === family && e.interface === "all");
  const v4 = all("inet");
  if (typeof v4?.forwarding !== "boolean")
    throw new Error(
      `ip -j netconf show: no forwarding for inet "all" in ${JSON.stringify(entries).slice(0, 200)}`,
    );
  const v6 = all("inet6");
  return { ipv4: v4.forwarding, ipv6: typeof v6?.forwarding === "boolean" ? v6.forwarding : null };
}

/**
 * The hubwire table's presence and the script hash its marker chain names, in one `nft`
 * process: `-t` (terse) leaves set elements out, so a hub's 10,000-address sets are neither
 * printed nor parsed; listing the family's ruleset (not the table) never fails for a missing
 * table, so absence is not read from a (localised) error message.
 */
export async function readFirewall(runner: Runner, table: string): Promise<LiveFirewall> {
  const listing = await listRuleset(runner);
  const text = `\n${listing}`;
  const head = `\ntable inet ${table} {\n`;
  const at = text.indexOf(head);
  if (at < 0) return { exists: false, hash: null };
  // The table's block ends at the first line that is only a closing brace.
  const end = text.indexOf("\n}", at + head.length);
  const block = text.slice(at + head.length - 1, end < 0 ? text.length : end + 1);
  const hashes = [...block.matchAll(MARKER_LINE)].map((m) => m[1]!);
  return { exists: true, hash: hashes.length === 1 ? hashes[0]! : null };
}

/**
 * `nft -t list ruleset inet`, through the runner's nft session when it has one (no process
 * started), else — or when the session fails — as its own process. Throws when nft refuses.
 */
async function listRuleset(runner: Runner): Promise<string> {
  const session = NftSession.of(runner);
  if (session !== undefined) {
    try {
      const { stdout, stderr } = await session.run("list ruleset inet");
      if (stderr !== "") throw new Error(`nft -t list ruleset inet: ${stderr.trim()}`);
      return stdout;
    } catch (e) {
      if (!(e instanceof NftSessionError)) throw e;
    }
  }
  return (await runner.run("nft", ["-t", "list", "ruleset", "inet"])).stdout;
}

const noop = () => {};

/**
 * Reads everything hubwire owns. `desiredNames` are the interfaces of the desired state, which
 * are ours even when their names do not follow the prefix convention.
 */
export async function readLiveState(
  runner: Runner,
  backend: WgBackend,
  opts: {
    desiredNames: readonly string[];
    firewallTable?: string;
    wantFirewall: boolean;
    /**
     * The desired script differs from the one applied last: the table is not read but reported
     * `unread`. The apply then loads it whatever it holds, or updates its sets in a transaction
     * that itself checks the table holds the script applied last (see `firewall.ts`).
     */
    firewallReplaced?: boolean;
    /** Read forwarding only when the desired state wants it on (it is never switched off). */
    wantForwarding?: boolean;
    /**
     * Called once every read is under way (requests written, processes started): work done
     * here runs while the device and `ip` prepare their answers instead of after them.
     */
    onStarted?: () => void;
  },
): Promise<LiveState> {
  const ours = (n: string) => opts.desiredNames.includes(n) || isOwnedName(n);
  const table = opts.firewallTable ?? "hubwire";
  // Independent reads, run at once: WireGuard through the backend (a socket read with UAPI),
  // links, addresses, routes and forwarding in one `ip`, the firewall only when needed. The
  // device requests go out first: starting a process blocks this thread for milliseconds, and
  // wireguard-go takes ≈ 25 ms to prepare a 10,000-peer answer, which it can do meanwhile.
  let requested = () => {};
  const devicesSent = new Promise<void>((resolve) => {
    requested = resolve;
  });
  const devicesRead = backend.showAll({ onRequested: () => requested() });
  await Promise.race([devicesSent, devicesRead.then(noop, noop)]);
  const reads = Promise.all([
    devicesRead,
    readLinksAndRoutes(runner, { forwarding: opts.wantForwarding !== false }),
    // nft is only needed on nodes with a firewall; elsewhere it may not be installed.
    !opts.firewallReplaced && (opts.wantFirewall || runner.has("nft"))
      ? readFirewall(runner, table)
      : Promise.resolve<LiveFirewall>(
          opts.firewallReplaced ? { exists: false, hash: null, unread: true } : { exists: false, hash: null },
        ),
  ]);
  opts.onStarted?.();
  const [devices, { addrs: addrList, routes, forwarding }, firewall] = await reads;
  const links = new Map(addrList.map((a) => [a.ifname, a]));
  const interfaces: LiveInterface[] = [];
  for (const dev of devices) {
    const link = links.get(dev.name);
    if (!ours(dev.name) || link === undefined) continue; // not ours, or vanished while reading
    const addresses = (link.addr_info ?? [])
      .filter((a) => a.scope !== "link")
      .map((a) => `${a.local}/${a.prefixlen}`)
      .sort();
    interfaces.push({
      name: dev.name,
      publicKey: dev.publicKey,
      listenPort: dev.listenPort,
      mtu: link.mtu,
      up: (link.flags ?? []).includes("UP"),
      addresses,
      peers: dev.peers,
    });
  }
  return { interfaces, routes, firewall, forwarding: forwarding ?? { ipv4: false, ipv6: null } };
}
