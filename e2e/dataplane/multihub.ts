/**
 * The multi-hub fabric of the failover e2e and benchmark: test hosts made from network namespaces
 * (an underlay segment, the controller, two hubs, three spokes and a LAN host behind spoke-b),
 * the real controller binary and a real `hubwire agent` per node. spoke-a and spoke-c prefer
 * hub-1, spoke-b prefers hub-2. Everything is torn down by the lab.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { killDaemons } from "../../src/agent/testing/lab-topology.js";
import type { ControllerApi } from "../harness/controller-api.js";
import type { LongLived } from "../harness/exec.js";
import { type Host, useLab } from "../harness/netns.js";
import { Underlay } from "../harness/underlay.js";
import {
  baseIntent,
  CLI,
  controllerIn,
  enrollmentPolicy,
  eventually,
  LAN_B,
  scrapeMetrics,
  stopProcess,
} from "./fabric.js";

export const NODES = ["hub-1", "hub-2", "spoke-a", "spoke-b", "spoke-c"] as const;
export type NodeName = (typeof NODES)[number];

export interface LinkView {
  interface: string;
  remote: string;
  state: string;
  rttMs: number | null;
  loss: number;
}
export interface StatusView {
  node: string;
  online: boolean;
  activeHub: string | null;
  links: LinkView[];
  failovers: number;
  attachedSpokes: number | null;
  appliedRevision: string | null;
  desiredRevision: string | null;
}

const intent = (underlay: string) => baseIntent(underlay, ["hub-1", "hub-2"]);

function spokePolicies(underlay: string): string {
  const p = (name: string, nodes: string[], hubs: string[]) =>
    enrollmentPolicy(underlay, name, "spoke", nodes, "auto", "10.100.1.0/24", hubs);
  return `${p("hub1-first", ["spoke-a", "spoke-c"], ["hub-1", "hub-2"])}---
${p("hub2-first", ["spoke-b"], ["hub-2", "hub-1"])}`;
}

/** A long-running `ping -D -i 0.2` from a host, read back as the times (ms) of its replies. */
export class PingRecorder {
  private constructor(
    private readonly proc: LongLived,
    private readonly logFile: string,
  ) {}

  static async start(host: Host, address: string, logFile: string): Promise<PingRecorder> {
    const proc = await host.start("ping", ["-D", "-n", "-O", "-i", "0.2", "-W", "1", address], { logFile });
    return new PingRecorder(proc, logFile);
  }

  async replies(): Promise<number[]> {
    const text = await readFile(this.logFile, "utf8").catch(() => "");
    return [...text.matchAll(/^\[(\d+\.\d+)\] \d+ bytes from/gm)].map((m) => Number(m[1]) * 1000);
  }

  /** The longest gap between replies after `from` (ms), once replies have flowed steadily for 2 s. */
  async gapAfter(from: number): Promise<number | undefined> {
    const times = (await this.replies()).filter((t) => t >= from - 1_000);
    const before = times.filter((t) => t < from);
    const after = times.filter((t) => t >= from);
    if (after.length < 10 || after[after.length - 1]! - after[after.length - 10]! > 2_500) return undefined;
    let last = before[before.length - 1] ?? from;
    let gap = 0;
    for (const t of after) {
      gap = Math.max(gap, t - last);
      last = t;
    }
    return gap;
  }

  stop(): Promise<void> {
    return stopProcess(this.proc);
  }
}

export type HostName = "ctl" | "hub1" | "hub2" | "sa" | "sb" | "sc" | "lanb";

export interface MultiHub {
  readonly work: string;
  readonly hosts: Record<HostName, Host>;
  readonly procs: Record<NodeName, LongLived>;
  /** Tunnel addresses. */
  readonly addr: Record<NodeName, string>;
  readonly api: ControllerApi;
  controller: LongLived;
  startController(): Promise<LongLived>;
  startAgent(node: NodeName, extra?: readonly string[]): Promise<void>;
  status(node: NodeName): Promise<StatusView>;
  /** The failover moves in a node's log, as `IFACE up|down`, with their times (ms). */
  movesAt(node: NodeName): Promise<Array<{ move: string; at: number }>>;
  moves(node: NodeName): Promise<string[]>;
  /** `/metrics` as a Prometheus scraping the controller's loopback listener sees it. */
  scrape(): Promise<string>;
  /** The interface the kernel of `host` uses now to reach `address`. */
  deviceTo(host: Host, address: string): Promise<string | undefined>;
}

const HOST_OF: Record<NodeName, HostName> = {
  "hub-1": "hub1",
  "hub-2": "hub2",
  "spoke-a": "sa",
  "spoke-b": "sb",
  "spoke-c": "sc",
};

/**
 * Call at describe level; the returned function (call it in `beforeAll`) builds the hosts and
 * starts the controller and the five agents with `agentFlags` (failover timers).
 */
export function useMultiHub(agentFlags: readonly string[]): () => Promise<MultiHub> {
  const lab = useLab();
  let work = "";
  const hosts = {} as Record<HostName, Host>;
  afterAll(async () => {
    for (const h of Object.values(hosts)) await killDaemons(h);
    if (work && process.env.HUBWIRE_E2E_KEEP !== "1") await rm(work, { recursive: true, force: true });
    else if (work) process.stderr.write(`multi-hub fabric: logs kept in ${work}\n`);
  });

  return async () => {
    work = await mkdtemp(join(tmpdir(), "hwt-failover-"));
    const underlay = await Underlay.create(lab);
    for (const name of ["ctl", "hub1", "hub2", "sa", "sb", "sc", "lanb"] as const)
      hosts[name] = await lab.addHost(name);
    const ip: Record<string, string> = {};
    for (const name of ["ctl", "hub1", "hub2", "sa", "sb", "sc"] as const)
      ip[name] = await underlay.attach(hosts[name]);
    await underlay.attachRoot();
    await lab.connect(hosts.sb, hosts.lanb, { a: `${LAN_B.gateway}/24`, b: `${LAN_B.host}/24` });
    await hosts.lanb.ip("route", "add", "default", "via", LAN_B.gateway);

    const ctl = await controllerIn(hosts.ctl, ip.ctl!, work);
    const { api } = ctl;
    await api.ok("POST", "/api/v1/apply", intent(underlay.net));
    const token = async (policy: string) =>
      (await api.ok<{ token: string }>("POST", "/api/v1/join-tokens", { policy, uses: 5 })).token;
    const args = {} as Record<NodeName, string[]>;
    const agentArgs = (node: NodeName, tokenText: string, extra: string[]) => [
      ...[CLI, "agent", "--name", node, "--token", tokenText, "--state-dir", join(work, node)],
      ...["--report-every", "2", ...agentFlags, ...extra],
    ];
    const logOf = (node: NodeName) => join(work, `${node}.log`);
    const movesAt = async (node: NodeName) =>
      (await readFile(logOf(node), "utf8"))
        .split("\n")
        .filter((l) => l.includes('"failover":'))
        .map((l) => JSON.parse(l) as { failover: string; time: number })
        .map((e) => ({ move: e.failover, at: e.time }));
    const fabric: MultiHub = {
      work,
      hosts,
      procs: {} as Record<NodeName, LongLived>,
      addr: {} as Record<NodeName, string>,
      api,
      controller: ctl.first,
      async startController() {
        this.controller = await ctl.start();
        return this.controller;
      },
      async startAgent(node, extra = []) {
        this.procs[node] = await hosts[HOST_OF[node]].start(process.execPath, [...args[node], ...extra], {
          logFile: logOf(node),
        });
      },
      status: (node) => api.ok<StatusView>("GET", `/api/v1/node-status/${node}`),
      movesAt,
      moves: async (node) => (await movesAt(node)).map((m) => m.move),
      scrape: () => scrapeMetrics(hosts.ctl),
      deviceTo: async (host, address) =>
        /dev (\S+)/.exec((await host.ip("route", "get", address)).stdout)?.[1],
    };
    const hubToken = await token("hubs");
    args["hub-1"] = agentArgs("hub-1", hubToken, ["--endpoint", `${ip.hub1}:51820`]);
    args["hub-2"] = agentArgs("hub-2", hubToken, ["--endpoint", `${ip.hub2}:51820`]);
    await fabric.startAgent("hub-1");
    await fabric.startAgent("hub-2");
    for (const hub of ["hub-1", "hub-2"])
      await eventually(`${hub} enrolled`, async () =>
        (await api.request("GET", `/api/v1/nodes/${hub}`)).status === 200 ? true : undefined,
      );
    await api.ok("POST", "/api/v1/apply", spokePolicies(underlay.net));
    const first1 = await token("hub1-first");
    const first2 = await token("hub2-first");
    args["spoke-a"] = agentArgs("spoke-a", first1, []);
    args["spoke-c"] = agentArgs("spoke-c", first1, []);
    args["spoke-b"] = agentArgs("spoke-b", first2, ["--subnet", LAN_B.subnet]);
    for (const node of ["spoke-a", "spoke-b", "spoke-c"] as const) await fabric.startAgent(node);
    for (const node of NODES) {
      const n = await eventually(`${node} in intent with a key`, async () => {
        const r = await api.request("GET", `/api/v1/nodes/${node}`);
        const res = r.body as { spec: { tunnelAddress?: string; publicKey?: string } };
        return r.status === 200 && res.spec.publicKey ? res : undefined;
      });
      fabric.addr[node] = n.spec.tunnelAddress!;
    }
    return fabric;
  };
}

/** Loses hub-1 abruptly: its agent killed with -9 and its underlay down. Returns when (ms). */
export async function loseHub1(f: MultiHub): Promise<number> {
  const at = Date.now();
  process.kill(f.procs["hub-1"].pid, "SIGKILL");
  await f.hosts.hub1.ip("link", "set", "eth0", "down");
  return at;
}

/** Brings hub-1 back: underlay up, agent started again. Returns when (ms). */
export async function restoreHub1(f: MultiHub): Promise<number> {
  const at = Date.now();
  await f.hosts.hub1.ip("link", "set", "eth0", "up");
  await f.startAgent("hub-1");
  return at;
}
