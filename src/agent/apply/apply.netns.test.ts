/**
 * The apply engine against real wireguard-go, ip and nft in network namespaces: a hub and two
 * spokes built from a compiled intent with real keys. Packets flow; a second apply does
 * nothing; one peer's change leaves the other's session alone; only hubwire's routes, table
 * and interfaces are touched; a half-finished apply is completed without duplicates; a missing
 * wireguard-go changes nothing.
 */
import { mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Host, useLab } from "../../../e2e/harness/netns.js";
import type { DesiredState } from "../../model/index.js";
import { describeWith } from "../../testing/prerequisites.js";
import { localRunner, type Runner } from "../exec.js";
import { collectStats } from "../stats/stats.js";
import {
  compileLab,
  hubwireRouteLines,
  killDaemons,
  type LabIntent,
  type LabNode,
  labNode,
  removeDirs,
  UNDERLAY,
} from "../testing/lab-topology.js";
import { isReadOnly, recordingRunner } from "../testing/recording-runner.js";
import type { WgBackend } from "../wg/backend.js";
import { WgCliBackend } from "../wg/cli-backend.js";
import { WgUapiBackend } from "../wg/uapi-backend.js";
import { socketDirOfProcess } from "../wg/uapi-socket.js";
import { applyDesiredState } from "./apply.js";
import { ApplyError } from "./errors.js";
import { executePlan } from "./execute.js";
import { readLiveState } from "./live.js";
import { HUBWIRE_ROUTE_PROTO, planApply } from "./plan.js";

const PREREQS = ["root", "netns", "wireguard-go", "wg", "ip", "nft", "ping"] as const;

/** Every test runs once per WireGuard back end: the `wg` CLI and wireguard-go's UAPI socket. */
const BACKENDS = ["cli", "uapi"] as const;
type BackendKind = (typeof BACKENDS)[number];
let kind: BackendKind = "cli";

/** The back end under test for a host (UAPI: the host's own socket directory). */
function wgBackend(runner: Runner, pid: number): WgBackend {
  return kind === "uapi"
    ? new WgUapiBackend(runner, { kernel: false, socketDir: socketDirOfProcess(pid) })
    : new WgCliBackend(runner, { kernel: false });
}

async function apply(node: LabNode, desired: DesiredState, extra: { previous?: DesiredState } = {}) {
  const lines: string[] = [];
  const runner = recordingRunner(node.runner);
  const result = await applyDesiredState(desired, {
    runner,
    backend: wgBackend(runner, node.host.pid),
    privateKeyFile: node.id.privateKeyFile,
    publicKey: node.id.publicKey,
    log: (l) => lines.push(l),
    ...extra,
  });
  return { ...result, lines, commands: runner.commands };
}

async function ping(from: Host, to: string): Promise<boolean> {
  return from
    .run("ping", ["-c", "3", "-i", "0.2", "-W", "2", to])
    .then(() => true)
    .catch(() => false);
}

async function hubPeer(hub: LabNode, key: string) {
  const dev = await wgBackend(hub.runner, hub.host.pid).show("hw_lab");
  return dev?.peers.find((p) => p.publicKey === key);
}

for (const backendKind of BACKENDS)
  describeWith([...PREREQS], `apply engine in network namespaces (${backendKind} backend)`, () => {
    const lab = useLab();
    const p = backendKind === "uapi" ? "au" : "ag";
    const dirs: string[] = [];
    let hub: LabNode;
    let sa: LabNode;
    let sb: LabNode;
    let intent: LabIntent;
    let states: Map<string, DesiredState>;

    beforeAll(async () => {
      kind = backendKind;
      const [h, a, b] = await Promise.all([
        lab.addHost(`${p}-hub`),
        lab.addHost(`${p}-sa`),
        lab.addHost(`${p}-sb`),
      ]);
      await lab.connect(h, a, { a: UNDERLAY.hubA, b: UNDERLAY.sa });
      await lab.connect(h, b, { a: UNDERLAY.hubB, b: UNDERLAY.sb });
      await a.ip("route", "add", "default", "via", "192.0.2.1");
      await b.ip("route", "add", "default", "via", "198.51.100.1");
      hub = await labNode("hub", h, dirs);
      sa = await labNode("sa", a, dirs);
      sb = await labNode("sb", b, dirs);
      intent = { hubKey: hub.id.publicKey, saKey: sa.id.publicKey, sbKey: sb.id.publicKey };
      states = compileLab(intent);
    }, 60_000);
    afterAll(async () => {
      for (const n of [hub, sa, sb]) if (n) await killDaemons(n.host as Host);
      await removeDirs(dirs);
    });

    it("applies hub and spokes and pings spoke to spoke through the hub", async () => {
      // Tables and routes that are not hubwire's, to prove they are left alone.
      await hub.runner.run("nft", ["add", "table", "inet", "ag_other"]);
      await hub.runner.run("nft", ["add", "chain", "inet", "ag_other", "c"]);
      for (const n of [hub, sa, sb]) {
        const r = await apply(n, states.get(n.name)!);
        expect(r.changed).toBe(true);
        expect(r.lines.join("\n")).toContain("+ interface hw_lab");
      }
      expect(await ping(sa.host as Host, "10.77.0.12")).toBe(true);
      expect(await ping(sb.host as Host, "10.77.0.11")).toBe(true);
      // IPv6 through the same tunnels: v6 addresses, routes and the hub's v6 forwarding.
      const saV6 = states
        .get("sa")!
        .interfaces[0]!.addresses.find((a) => a.includes(":"))!
        .split("/")[0]!;
      expect(await ping(sb.host as Host, saV6)).toBe(true);
      expect((await hub.runner.run("sysctl", ["-n", "net.ipv6.conf.all.forwarding"])).stdout.trim()).toBe(
        "1",
      );
      expect((await hubPeer(hub, sa.id.publicKey))?.latestHandshake).toBeGreaterThan(0);
      const tables = (await hub.runner.run("nft", ["list", "tables"])).stdout;
      expect(tables).toContain("table inet ag_other");
      expect(tables).toContain("table inet hubwire");
      expect((await hub.runner.run("sysctl", ["-n", "net.ipv4.ip_forward"])).stdout.trim()).toBe("1");
    });

    it("applies the same state again with an empty plan and no mutating command", async () => {
      for (const n of [hub, sa, sb]) {
        const r = await apply(n, states.get(n.name)!);
        expect(r.plan).toEqual([]);
        expect(r.changed).toBe(false);
        expect(r.commands.filter((c) => !isReadOnly(c))).toEqual([]);
      }
    });

    it("installs routes only with hubwire's proto and leaves other routes alone", async () => {
      await hub.runner.run("ip", ["route", "add", "10.99.0.0/24", "dev", "hw_lab", "proto", "static"]);
      const routes = JSON.parse(
        (await hub.runner.run("ip", ["-j", "route", "show", "proto", String(HUBWIRE_ROUTE_PROTO)])).stdout,
      ) as { dst: string; metric: number }[];
      expect(routes.map((r) => `${r.dst} ${r.metric}`).sort()).toEqual([
        "10.77.0.11 100",
        "10.77.0.12 100",
        "172.16.1.0/24 100",
        "172.16.2.0/24 100",
      ]);
      const r = await apply(hub, states.get("hub")!);
      expect(r.plan).toEqual([]);
      expect((await hub.runner.run("ip", ["route", "show", "10.99.0.0/24"])).stdout).toContain(
        "proto static",
      );
    });

    it("changes one peer's allowed IPs without touching the other peer's session", async () => {
      const before = await hubPeer(hub, sa.id.publicKey);
      expect(before?.latestHandshake).toBeGreaterThan(0);
      intent = { ...intent, sbSubnets: ["172.16.20.0/24"] };
      states = compileLab(intent);
      const r = await apply(hub, states.get("hub")!);
      expect(r.plan.map((s) => s.op).sort()).toEqual(["add-route", "change-peer"]);
      const change = r.plan.find((s) => s.op === "change-peer");
      expect(change).toMatchObject({ peer: { name: "sb" }, changes: [{ field: "allowedIPs" }] });
      expect(r.lines.join("\n")).toMatch(
        /peer sb allowedIPs 10\.77\.0\.12\/32, 172\.16\.2\.0\/24, fd77::\S+\/128 → 10\.77\.0\.12\/32, 172\.16\.2\.0\/24, 172\.16\.20\.0\/24, fd77::\S+\/128$/m,
      );
      const after = await hubPeer(hub, sa.id.publicKey);
      expect(after?.latestHandshake).toBe(before?.latestHandshake);
      expect(after!.rxBytes).toBeGreaterThanOrEqual(before!.rxBytes);
      // A setconf would have reset sa's counters and session; the delta left them running.
      expect(await ping(sa.host as Host, "10.77.0.12")).toBe(true);
      for (const n of [sa, sb]) await apply(n, states.get(n.name)!);
    });

    it("replaces the nftables table only when its script changes, leaving other tables", async () => {
      const same = await apply(hub, states.get("hub")!);
      expect(same.commands.some((c) => c[0] === "nft" && c[1] === "-f")).toBe(false);
      intent = { ...intent, defaultAction: "deny" };
      states = compileLab(intent);
      const r = await apply(hub, states.get("hub")!);
      expect(r.plan.map((s) => s.op)).toContain("replace-firewall");
      const listing = (await hub.runner.run("nft", ["list", "ruleset"])).stdout;
      expect(listing.match(/^table inet hubwire/gm)).toHaveLength(1);
      expect(listing).toContain("table inet ag_other");
      expect(listing).toContain('comment "network lab default"');
      // Default deny: spoke to spoke through the hub is dropped by the hub's table.
      expect(await ping(sa.host as Host, "10.77.0.12")).toBe(false);
      intent = { ...intent, defaultAction: "allow" };
      states = compileLab(intent);
      for (const n of [hub, sa, sb]) await apply(n, states.get(n.name)!);
      expect(await ping(sa.host as Host, "10.77.0.12")).toBe(true);
    });

    it("replaces a firewall that differs from the last applied one without reading the table; reads it otherwise", async () => {
      const last = states.get("hub")!;
      // `nft -t list ruleset inet`, run on its own or sent to the nft session.
      const reads = (r: { commands: string[][] }) =>
        r.commands.filter((c) => c[0] === "nft" && c.includes("list") && c.includes("ruleset"));
      intent = { ...intent, defaultAction: "deny" };
      states = compileLab(intent);
      const changed = await apply(hub, states.get("hub")!, { previous: last });
      expect(changed.plan.map((s) => s.op)).toContain("replace-firewall");
      expect(reads(changed)).toEqual([]);
      expect((await hub.runner.run("nft", ["list", "ruleset"])).stdout).toContain(
        'comment "network lab default"',
      );
      // The same firewall as last time: the table is read, so one removed by hand comes back.
      await hub.runner.run("nft", ["delete", "table", "inet", "hubwire"]);
      const again = await apply(hub, states.get("hub")!, { previous: states.get("hub")! });
      expect(reads(again)).toHaveLength(1);
      expect(again.plan.map((s) => s.op)).toContain("replace-firewall");
      intent = { ...intent, defaultAction: "allow" };
      states = compileLab(intent);
      for (const n of [hub, sa, sb]) await apply(n, states.get(n.name)!);
      expect(await ping(sa.host as Host, "10.77.0.12")).toBe(true);
    });

    it("collects per-peer counters and interface state for the status report", async () => {
      expect(await ping(sa.host as Host, "10.77.0.12")).toBe(true);
      const [lab0, missing] = await collectStats(["hw_lab", "hw_missing"], hub.runner);
      expect(lab0).toMatchObject({ name: "hw_lab", up: true, listenPort: 51820 });
      const peerSa = lab0!.peers.find((p) => p.publicKey === sa.id.publicKey);
      expect(peerSa?.endpoint).toBe("192.0.2.11:51820");
      expect(peerSa?.rxBytes).toBeGreaterThan(0);
      expect(peerSa?.txBytes).toBeGreaterThan(0);
      expect(peerSa?.latestHandshake).toBeGreaterThan(1_700_000_000);
      expect(missing).toEqual({ name: "hw_missing", up: false, listenPort: null, peers: [] });
    });

    it("removes a peer and its routes", async () => {
      const without = compileLab({ ...intent, withoutSb: true });
      const r = await apply(hub, without.get("hub")!);
      expect(r.plan.filter((s) => s.op === "remove-peer")).toHaveLength(1);
      expect(r.plan.filter((s) => s.op === "remove-route").length).toBeGreaterThan(0);
      expect(await hubPeer(hub, sb.id.publicKey)).toBeUndefined();
      expect(await hubPeer(hub, sa.id.publicKey)).toBeDefined();
      const routes = (await hub.runner.run("ip", ["route", "show", "proto", String(HUBWIRE_ROUTE_PROTO)]))
        .stdout;
      expect(routes).not.toContain("10.77.0.12");
      // Back again, for the tests after this one.
      await apply(hub, states.get("hub")!);
      expect(await hubPeer(hub, sb.id.publicKey)).toBeDefined();
    });

    it("runs concurrent applies for one machine one after the other", async () => {
      const without = compileLab({ ...intent, withoutSb: true }).get("hub")!;
      const opts = { runner: hub.runner, privateKeyFile: hub.id.privateKeyFile, publicKey: hub.id.publicKey };
      const [first, second] = await Promise.all([
        applyDesiredState(without, opts),
        applyDesiredState(states.get("hub")!, opts),
      ]);
      // The second planned against what the first left: it puts sb's peer back.
      expect(first.plan.map((s) => s.op)).toContain("remove-peer");
      expect(second.plan.map((s) => s.op)).toContain("add-peer");
      expect(await hubPeer(hub, sb.id.publicKey)).toBeDefined();
    });

    it("deletes a stale hubwire interface and never touches a foreign one", async () => {
      const backend = wgBackend(hub.runner, hub.host.pid);
      await backend.create("hw_stale");
      await backend.create("agforeign0");
      const r = await apply(hub, states.get("hub")!);
      expect(r.plan).toEqual([{ op: "delete-interface", iface: "hw_stale" }]);
      expect(await backend.listDevices()).toEqual(["agforeign0", "hw_lab"]);
      await backend.delete("agforeign0");
    });

    it("completes a half-finished apply without duplicating anything", async () => {
      const host = await lab.addHost(`${p}-half`);
      const node = await labNode("half", host, dirs);
      const desired = states.get("hub")!; // a hub's state: interface, peers, routes, table
      const backend = wgBackend(node.runner, host.pid);
      const read = () =>
        readLiveState(node.runner, backend, {
          desiredNames: ["hw_lab"],
          firewallTable: "hubwire",
          wantFirewall: true,
        });
      try {
        for (const cut of [1, 3, 6, -2]) {
          // Crash after `cut` steps, then a fresh run plans against what is there.
          await backend.delete("hw_lab").catch(() => {});
          await node.runner.run("nft", ["delete", "table", "inet", "hubwire"]).catch(() => {});
          const steps = planApply(desired, await read(), { publicKey: node.id.publicKey });
          expect(steps.length).toBeGreaterThan(8);
          await executePlan(steps.slice(0, cut > 0 ? cut : steps.length + cut), {
            runner: node.runner,
            backend,
            privateKeyFile: node.id.privateKeyFile,
          });
          const r = await apply(node, desired);
          expect(r.changed).toBe(true);
          const again = await apply(node, desired);
          expect(again.plan).toEqual([]);
          expect(await backend.listDevices()).toEqual(["hw_lab"]);
          const addrs = JSON.parse(
            (await node.runner.run("ip", ["-j", "addr", "show", "dev", "hw_lab"])).stdout,
          )[0].addr_info;
          expect(
            addrs.filter((a: { scope: string }) => a.scope !== "link").map((a: { local: string }) => a.local),
          ).toEqual(desired.interfaces[0]!.addresses.map((a) => a.split("/")[0]));
          const routes = await hubwireRouteLines(node.runner);
          expect(new Set(routes).size).toBe(routes.length);
          expect(routes).toHaveLength(desired.interfaces[0]!.routes.length);
          const tables = (await node.runner.run("nft", ["list", "tables"])).stdout.match(/inet hubwire/g);
          expect(tables).toHaveLength(1);
        }
      } finally {
        await killDaemons(host);
      }
    }, 60_000);

    it("stops at a failing step, names it, re-reads the live state, and a later apply finishes", async () => {
      const host = await lab.addHost(`${p}-fail`);
      const node = await labNode("fail", host, dirs);
      const backend = wgBackend(node.runner, host.pid);
      try {
        // Someone else's device holds the hub's port: setting it on hw_lab must fail.
        await backend.create("agforeign1");
        await backend.setListenPort("agforeign1", 51820);
        const err = await apply(node, states.get("hub")!).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ApplyError);
        const e = err as ApplyError;
        expect(e.code).toBe("step-failed");
        expect(e.message).toMatch(
          kind === "uapi"
            ? /^~ hw_lab: listenPort \S+ → 51820 failed: uapi set hw_lab listen_port=51820: errno=-\d+/
            : /^~ hw_lab: listenPort \S+ → 51820 failed: wg set hw_lab listen-port 51820: exit/,
        );
        expect(e.details.step).toMatchObject({ op: "set-listen-port", iface: "hw_lab" });
        expect(e.details.done?.map((s) => s.op)).toContain("create-interface");
        // What is really there now, read after the failure: the interface, no peers yet.
        expect(e.details.live?.interfaces.map((i) => [i.name, i.peers.length])).toEqual([["hw_lab", 0]]);
        await backend.delete("agforeign1");
        const r = await apply(node, states.get("hub")!);
        expect(r.plan.some((s) => s.op === "create-interface")).toBe(false);
        expect((await apply(node, states.get("hub")!)).plan).toEqual([]);
      } finally {
        await killDaemons(host);
      }
    });

    it("fails with a clear error and changes nothing when wireguard-go is missing", async () => {
      const host = await lab.addHost(`${p}-nowg`);
      const node = await labNode("nowg", host, dirs);
      const bin = await mkdtemp(join(tmpdir(), "hwag-bin-"));
      try {
        for (const [cmd, dir] of [
          ["wg", "/usr/bin"],
          ["ip", "/usr/sbin"],
          ["nft", "/usr/sbin"],
          ["sysctl", "/usr/sbin"],
        ] as const)
          await symlink(join(dir, cmd), join(bin, cmd));
        const runner = recordingRunner(
          localRunner({ path: bin, prefix: ["/usr/bin/nsenter", "-t", String(host.pid), "-m", "-n"] }),
        );
        const err = await applyDesiredState(states.get("hub")!, {
          runner,
          backend: wgBackend(runner, host.pid),
          privateKeyFile: node.id.privateKeyFile,
          publicKey: node.id.publicKey,
        }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ApplyError);
        expect(err).toMatchObject({ code: "prerequisite-missing" });
        expect((err as Error).message).toMatch(/wireguard-go not found/);
        expect(runner.commands.filter((c) => !isReadOnly(c))).toEqual([]);
        expect((await node.runner.run("nft", ["list", "tables"])).stdout).toBe("");
        expect((await node.runner.run("sysctl", ["-n", "net.ipv4.ip_forward"])).stdout.trim()).toBe("0");
        expect((await node.runner.run("wg", ["show", "interfaces"])).stdout.trim()).toBe("");
      } finally {
        await rm(bin, { recursive: true, force: true });
      }
    });
  });
