/**
 * The end-to-end fabric of the data-plane scenario: test hosts made from network namespaces (an
 * underlay segment, the controller, one hub, three spokes and a LAN host behind spoke-b), the
 * real controller binary and a real `hubwire agent` per node, each in its own network and mount
 * namespace, enrolled with join tokens. Everything is torn down by the lab.
 */
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { killDaemons } from "../../src/agent/testing/lab-topology.js";
import { ControllerApi } from "../harness/controller-api.js";
import type { LongLived } from "../harness/exec.js";
import { stopProcess } from "../harness/exec.js";
import { type Host, useLab } from "../harness/netns.js";
import { Underlay } from "../harness/underlay.js";

export const CLI = join(import.meta.dirname, "..", "..", "bin", "hubwire.js");
const PASSWORD = "dataplane e2e password";
export const LAN_B = { subnet: "10.64.2.0/24", gateway: "10.64.2.1", host: "10.64.2.10" };

export function enrollmentPolicy(
  underlay: string,
  name: string,
  role: string,
  nodes: string[],
  approval: string,
  prefix: string,
  hubs: readonly string[] = role === "hub" ? [] : ["hub"],
): string {
  return `apiVersion: hubwire/v1
kind: EnrollmentPolicy
metadata: { name: ${name} }
spec:
  network: lab
  role: ${role}
  nodeNames: [${nodes.join(", ")}]
  tunnelAddressPrefixes: [${prefix}]
  subnetPrefixes: [{ prefix: 10.64.0.0/16, minLength: 24, maxLength: 24 }]
  endpointPrefixes: [${underlay}.0/24]
  hubs: [${hubs.join(", ")}]
  labels: { fabric: lab }
  approval: ${approval}
`;
}

/** What the scenario starts from: a default-deny network, the hubs' policy and the access policy. */
export function baseIntent(underlay: string, hubs: readonly string[] = ["hub"]): string {
  return `apiVersion: hubwire/v1
kind: Network
metadata: { name: lab }
spec:
  cidr: 10.100.0.0/16
  defaultAction: deny
  persistentKeepalive: 5
  presharedKeys: true
---
${enrollmentPolicy(underlay, "hubs", "hub", [...hubs], "auto", "10.100.0.0/24")}---
${allowAll()}`;
}

/** Once the hub has joined: spokes may join it (spoke-c only with an operator's approval). */
export function spokePolicies(underlay: string): string {
  return `${enrollmentPolicy(underlay, "spokes", "spoke", ["spoke-a", "spoke-b"], "auto", "10.100.1.0/24")}---
${enrollmentPolicy(underlay, "late-spokes", "spoke", ["spoke-c"], "manual", "10.100.1.0/24")}`;
}

/** Everything in the fabric may talk to everything, with `extraRules` first (first match wins). */
export function allowAll(extraRules = ""): string {
  return `apiVersion: hubwire/v1
kind: AccessPolicy
metadata: { name: fabric }
spec:
  network: lab
  rules:${extraRules}
    - from: { labels: { fabric: lab } }
      to: { labels: { fabric: lab } }
      action: allow
`;
}

export interface AgentProc {
  readonly node: string;
  readonly host: Host;
  readonly stateDir: string;
  readonly logFile: string;
  proc: LongLived;
  readonly args: string[];
}

export interface Fabric {
  readonly api: ControllerApi;
  readonly hosts: Record<"ctl" | "hub" | "sa" | "sb" | "sc" | "lanb", Host>;
  readonly agents: Record<"hub" | "spoke-a" | "spoke-b" | "spoke-c", AgentProc>;
  readonly addresses: Record<string, string>;
  /** The controller CA's PEM file (for the CLI's HUBWIRE_CA_FILE). */
  readonly caFile: string;
  controller: LongLived;
  startController(): Promise<LongLived>;
  startAgent(a: AgentProc, extra?: string[]): Promise<void>;
  agentLog(a: AgentProc): Promise<string>;
}

/** Polls `check` until it returns a value (not undefined) or `timeoutMs` passes. Reads only. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${what}: not within ${timeoutMs} ms${last ? ` (last error: ${(last as Error).message})` : ""}`,
      );
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * `/metrics` as a Prometheus next to the controller sees it: served on its loopback listener
 * only (no metrics token is configured), so read from inside the controller's host.
 */
export async function scrapeMetrics(ctl: Host): Promise<string> {
  const script =
    "fetch('http://127.0.0.1:7070/metrics').then((r) => r.text()).then((t) => process.stdout.write(t))";
  return (await ctl.run(process.execPath, ["-e", script])).stdout;
}

/** True when one ping from `host` to `address` is answered within 1 s. */
export async function pings(host: Host, address: string): Promise<boolean> {
  return host.run("ping", ["-c", "1", "-W", "1", address], { timeoutMs: 5_000 }).then(
    () => true,
    () => false,
  );
}

/**
 * The real controller in `host` (listening at `ip`: TLS API on 7443, enrollment on 7444), its
 * data in `work/controller`, signed in as admin. `start` starts it again after a stop.
 */
export async function controllerIn(
  host: Host,
  ip: string,
  work: string,
): Promise<{ api: ControllerApi; first: LongLived; start(): Promise<LongLived> }> {
  const dataDir = join(work, "controller");
  await mkdir(dataDir, { recursive: true });
  const start = () =>
    host.start(
      process.execPath,
      [
        // BENCH_CONTROLLER_NODE_ARGS: extra `node` flags (e.g. `--cpu-prof --cpu-prof-dir=DIR`).
        ...(process.env.BENCH_CONTROLLER_NODE_ARGS ?? "").split(" ").filter(Boolean),
        ...[CLI, "controller", "--data-dir", dataDir, "--log-level", "info"],
        ...["--listen", "127.0.0.1:7070", "--listen", `${ip}:7443`, "--enroll-listen", `${ip}:7444`],
      ],
      { env: { HUBWIRE_ADMIN_PASSWORD: PASSWORD }, logFile: join(work, "controller.log") },
    );
  const first = await start();
  await eventually("controller up", async () =>
    first.hasExited()
      ? Promise.reject(new Error(first.outputTail()))
      : first.outputTail().includes("enrollment listener on")
        ? true
        : undefined,
  );
  const caPem = await readFile(join(dataDir, "tls", "ca.crt"), "utf8");
  const api = new ControllerApi(`https://${ip}:7443`, caPem);
  await api.login("admin", PASSWORD);
  return { api, first, start };
}

/**
 * Call at describe level; the returned function (call it in `beforeAll`) builds the hosts,
 * starts the controller and the four agents. Enrollment of spoke-c waits for an approval.
 */
export function useFabric(
  options: {
    /** Runs once the hub has joined, before any spoke may (e.g. to take a backup of that state). */
    beforeSpokes?: (api: ControllerApi) => Promise<void>;
  } = {},
): () => Promise<Fabric> {
  const lab = useLab();
  let fabric: Fabric | undefined;
  let work = "";
  afterAll(async () => {
    // wireguard-go daemonizes as in production: kill it by PID inside our namespaces first.
    if (fabric) for (const h of Object.values(fabric.hosts)) await killDaemons(h);
    // HUBWIRE_E2E_KEEP=1 keeps the controller's and agents' logs for a look after a failure.
    if (work && process.env.HUBWIRE_E2E_KEEP !== "1") await rm(work, { recursive: true, force: true });
    else if (work) process.stderr.write(`data-plane e2e: logs kept in ${work}\n`);
  });

  const setUp = async (): Promise<Fabric> => {
    work = await mkdtemp(join(tmpdir(), "hwt-dataplane-"));
    const underlay = await Underlay.create(lab);
    const hosts = {
      ctl: await lab.addHost("ctl"),
      hub: await lab.addHost("hub"),
      sa: await lab.addHost("sa"),
      sb: await lab.addHost("sb"),
      sc: await lab.addHost("sc"),
      lanb: await lab.addHost("lanb"),
    };
    const ip: Record<string, string> = {};
    for (const name of ["ctl", "hub", "sa", "sb", "sc"] as const)
      ip[name] = await underlay.attach(hosts[name]);
    await underlay.attachRoot();
    await lab.connect(hosts.sb, hosts.lanb, { a: `${LAN_B.gateway}/24`, b: `${LAN_B.host}/24` });
    await hosts.lanb.ip("route", "add", "default", "via", LAN_B.gateway);

    const ctl = await controllerIn(hosts.ctl, ip.ctl!, work);
    const startController = ctl.start;
    let controller = ctl.first;
    const { api } = ctl;
    await api.ok("POST", "/api/v1/apply", baseIntent(underlay.net));

    const token = async (policy: string) =>
      (await api.ok<{ token: string }>("POST", "/api/v1/join-tokens", { policy, uses: 5 })).token;
    const tokens = { hubs: await token("hubs"), spokes: "", late: "" };

    const agent = (node: string, host: Host, tokenText: string, extra: string[]): AgentProc => ({
      node,
      host,
      stateDir: join(work, node),
      logFile: join(work, `${node}.log`),
      proc: undefined as unknown as LongLived,
      args: [
        ...[CLI, "agent", "--name", node, "--token", tokenText, "--state-dir", join(work, node)],
        ...["--report-every", "2", ...extra],
      ],
    });
    const agents = {
      hub: agent("hub", hosts.hub, tokens.hubs, ["--endpoint", `${ip.hub}:51820`]),
      "spoke-a": agent("spoke-a", hosts.sa, tokens.spokes, []),
      "spoke-b": agent("spoke-b", hosts.sb, tokens.spokes, ["--subnet", LAN_B.subnet]),
      "spoke-c": agent("spoke-c", hosts.sc, tokens.late, []),
    };
    const startAgent = async (a: AgentProc, extra: string[] = []) => {
      a.proc = await a.host.start(process.execPath, [...a.args, ...extra], { logFile: a.logFile });
    };
    await startAgent(agents.hub);
    await eventually("hub enrolled", async () => {
      const r = await api.request("GET", "/api/v1/nodes/hub");
      return r.status === 200 ? true : undefined;
    });
    await options.beforeSpokes?.(api);
    await api.ok("POST", "/api/v1/apply", spokePolicies(underlay.net));
    const spokeToken = await token("spokes");
    const lateToken = await token("late-spokes");
    for (const [a, t] of [
      [agents["spoke-a"], spokeToken],
      [agents["spoke-b"], spokeToken],
      [agents["spoke-c"], lateToken],
    ] as const) {
      a.args[a.args.indexOf("--token") + 1] = t;
      await startAgent(a);
    }

    fabric = {
      api,
      hosts,
      agents,
      addresses: ip,
      caFile: join(work, "controller", "tls", "ca.crt"),
      controller,
      async startController() {
        controller = await startController();
        this.controller = controller;
        return controller;
      },
      startAgent,
      agentLog: (a) => readFile(a.logFile, "utf8"),
    };
    return fabric;
  };
  return setUp;
}

export { stopProcess };
