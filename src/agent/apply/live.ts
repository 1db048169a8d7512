/**
 * The live state the planner compares with: read from the machine, never from memory, so an
 * apply after a crash, a manual change or a half-finished run sees what really is there.
 * Only hubwire's things are read: WireGuard interfaces that are ours (see {@link isOwnedName}),
 * routes with hubwire's `proto`, the `inet hubwire` nftables table.
 */
import type { Runner } from "../exec.js";
import type { WgBackend } from "../wg/backend.js";
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

/**
 * Links with their addresses (`addr show` carries each link's flags and MTU) and hubwire's
 * routes of both families, in one `ip` process: at 10,000 routes each process costs more in
 * starting and printing than in the kernel's work, so three reads would be three times that.
 */
export async function readLinksAndRoutes(runner: Runner): Promise<{ addrs: IpAddr[]; routes: LiveRoute[] }> {
  const out = (
    await runner.run("ip", ["-j", "-batch", "-"], {
      // `table all` lists both families at once; only the main table is hubwire's (below).
      input: `addr show\nroute show table all proto ${HUBWIRE_ROUTE_PROTO}\n`,
    })
  ).stdout;
  const docs = out.split("\n").filter((l) => l.trim() !== "");
  if (docs.length !== 2)
    throw new Error(`ip -j -batch: expected 2 JSON answers (addr, route), got ${docs.length}`);
  const addrs = JSON.parse(docs[0]!) as IpAddr[];
  const routes = (JSON.parse(docs[1]!) as IpRoute[])
    .filter((r): r is IpRoute & { dev: string } => r.dev !== undefined && (r.table ?? "main") === "main")
    .map((r) => ({ iface: r.dev, prefix: withLength(r.dst), metric: r.metric ?? 0 }));
  return { addrs, routes };
}

/** The hubwire table's presence and the script hash recorded in its comment. */
export async function readFirewall(runner: Runner, table: string): Promise<LiveFirewall> {
  const tables = (await runner.run("nft", ["list", "tables", "inet"])).stdout;
  if (!tables.split("\n").some((l) => l.trim() === `table inet ${table}`))
    return { exists: false, hash: null };
  const listing = (await runner.run("nft", ["list", "table", "inet", table])).stdout;
  // The table comment is the first statement inside the table block.
  const m = /^table inet \S+ \{\n\s*comment "hubwire sha256=([0-9a-f]{64})"/.exec(listing);
  return { exists: true, hash: m?.[1] ?? null };
}

/** Current IPv4 and IPv6 forwarding (the namespace's, read through the runner), in one process. */
export async function readForwarding(runner: Runner): Promise<LiveState["forwarding"]> {
  // -e: a kernel without IPv6 has no such key; sysctl then prints only the first (null below).
  const out = await runner.run("sysctl", ["-n", "-e", "net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding"]);
  const [v4, v6] = out.stdout.split("\n").map((l) => l.trim());
  if (v4 !== "0" && v4 !== "1")
    throw new Error(`sysctl -n net.ipv4.ip_forward printed ${JSON.stringify(out.stdout)}, not 0 or 1`);
  return { ipv4: v4 === "1", ipv6: v6 === undefined || v6 === "" ? null : v6 === "1" };
}

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
    /** Read forwarding only when the desired state wants it on (it is never switched off). */
    wantForwarding?: boolean;
  },
): Promise<LiveState> {
  const ours = (n: string) => opts.desiredNames.includes(n) || isOwnedName(n);
  const table = opts.firewallTable ?? "hubwire";
  // Independent reads, run at once: WireGuard through the backend (a socket read with UAPI),
  // links, addresses and routes in one `ip`, the firewall and forwarding only when needed.
  const [devices, { addrs: addrList, routes }, firewall, forwarding] = await Promise.all([
    backend.showAll(),
    readLinksAndRoutes(runner),
    // nft is only needed on nodes with a firewall; elsewhere it may not be installed.
    opts.wantFirewall || runner.has("nft")
      ? readFirewall(runner, table)
      : Promise.resolve<LiveFirewall>({ exists: false, hash: null }),
    opts.wantForwarding === false
      ? Promise.resolve<LiveState["forwarding"]>({ ipv4: false, ipv6: null })
      : readForwarding(runner),
  ]);
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
  return { interfaces, routes, firewall, forwarding };
}
