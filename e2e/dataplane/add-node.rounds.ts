/**
 * Add-one-node benchmark (issue 12), run by `npm run bench` through `dist/bench/add-node-bench.js`:
 * a real controller and a real hub agent on wireguard-go in network namespaces, the hub already
 * carrying BENCH_ADD_EXISTING spokes (1,000). Then BENCH_ADD_ROUNDS times (20): one new spoke is
 * created through the API (`POST /api/v1/nodes`, its key given), and the time is taken from just
 * before the request until the hub's WireGuard device has the peer — read from the device itself
 * through its UAPI socket (`get=1`), as `wg show` does, polled every 2 ms. Prints
 * `BENCH add-node …` lines: median, p90 and max over the rounds. `BENCH_CPU_PROF=DIR` runs the hub's
 * agent under `node --cpu-prof` (one `.cpuprofile` in DIR when it stops); `BENCH_AGENT_LOG=info`
 * makes its log (in the work directory) say what each apply did.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { killDaemons } from "../../src/agent/testing/lab-topology.js";
import { describeWith } from "../../src/testing/prerequisites.js";
import type { ControllerApi } from "../harness/controller-api.js";
import type { Host } from "../harness/netns.js";
import { useLab, WG_SOCKET_DIR } from "../harness/netns.js";
import { Underlay } from "../harness/underlay.js";
import { baseIntent, CLI, controllerIn, eventually } from "./fabric.js";

const EXISTING = Number(process.env.BENCH_ADD_EXISTING ?? 1000);
const ROUNDS = Number(process.env.BENCH_ADD_ROUNDS ?? 20);
const CPU_PROF = process.env.BENCH_CPU_PROF;
const AGENT_LOG = process.env.BENCH_AGENT_LOG ?? "warn";

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

/** Spoke `i` of the network `lab` the fabric's base intent makes, on the hub. */
function spoke(i: number, publicKey: string) {
  return {
    apiVersion: "hubwire/v1",
    kind: "Node",
    metadata: { name: `bench-${i}`, labels: { fabric: "lab" } },
    spec: {
      network: "lab",
      role: "spoke",
      tunnelAddress: `10.100.${16 + Math.floor(i / 250)}.${1 + (i % 250)}`,
      hubs: ["hub"],
      publicKey,
    },
  };
}

/** The UAPI `get=1` dump of `iface` in `host` (its socket lives in the host's own /run). */
function uapiDump(host: Host, iface: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(`/proc/${host.pid}/root${WG_SOCKET_DIR}/${iface}.sock`);
    let text = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      text += chunk;
      if (/(^|\n)errno=\d+\n\n$/.test(text)) socket.end();
    });
    socket.on("end", () => resolve(text));
    socket.on("error", reject);
    socket.write("get=1\n\n");
  });
}

const peerCount = (dump: string) => dump.match(/^public_key=/gm)?.length ?? 0;

describeWith(["root", "netns", "wireguard-go", "wg", "nft", "ip"], "add-node benchmark", () => {
  const lab = useLab();
  let api: ControllerApi;
  let hub: Host;
  let iface = "";

  // wireguard-go daemonizes as in production: the lab does not track it, so it is killed here.
  afterAll(async () => {
    if (hub) await killDaemons(hub);
  });

  beforeAll(async () => {
    const work = await mkdtemp(join(tmpdir(), "hwt-addnode-"));
    const underlay = await Underlay.create(lab);
    const ctl = await lab.addHost("ctl");
    hub = await lab.addHost("hub");
    const ctlIp = await underlay.attach(ctl);
    const hubIp = await underlay.attach(hub);
    await underlay.attachRoot();
    ({ api } = await controllerIn(ctl, ctlIp, work));
    if (CPU_PROF || AGENT_LOG !== "warn") process.stdout.write(`BENCH add-node work directory ${work}\n`);
    await api.ok("POST", "/api/v1/apply", baseIntent(underlay.net));
    const { token } = await api.ok<{ token: string }>("POST", "/api/v1/join-tokens", {
      policy: "hubs",
      uses: 1,
    });
    await hub.start(
      process.execPath,
      [
        ...(CPU_PROF ? ["--cpu-prof", "--cpu-prof-dir", CPU_PROF] : []),
        ...[CLI, "agent", "--name", "hub", "--token", token, "--state-dir", join(work, "hub")],
        ...["--endpoint", `${hubIp}:51820`, "--log-level", AGENT_LOG],
      ],
      { logFile: join(work, "hub.log") },
    );
    await eventually("hub enrolled", async () =>
      (await api.request("GET", "/api/v1/nodes/hub")).status === 200 ? true : undefined,
    );
    const items = Array.from({ length: EXISTING }, (_, i) => spoke(i, randomBytes(32).toString("base64")));
    await api.ok("POST", "/api/v1/apply", { items });
    iface = await eventually("the hub's interface", async () => {
      const names = (await hub.wg("show", "interfaces")).stdout.trim();
      return names ? names.split(/\s+/)[0] : undefined;
    });
    await eventually(
      `the hub has ${EXISTING} peers`,
      async () => (peerCount(await uapiDump(hub, iface)) >= EXISTING ? true : undefined),
      120_000,
    );
  });

  it(`adds one node at N = ${EXISTING} until the hub's WireGuard has the peer`, async () => {
    const times: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const key = randomBytes(32);
      const hex = `public_key=${key.toString("hex")}\n`;
      await new Promise((r) => setTimeout(r, 300)); // the hub settles between rounds
      const start = performance.now();
      const created = await api.request(
        "POST",
        "/api/v1/nodes",
        spoke(EXISTING + round, key.toString("base64")),
      );
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      await eventually(
        "the hub has the new peer",
        async () => ((await uapiDump(hub, iface)).includes(hex) ? true : undefined),
        10_000,
        2,
      );
      times.push(performance.now() - start);
    }
    const f = (n: number) => n.toFixed(1);
    process.stdout.write(
      `BENCH add-node N=${EXISTING} rounds=${ROUNDS}: median ${f(quantile(times, 0.5))} ms, p90 ${f(quantile(times, 0.9))} ms, max ${f(Math.max(...times))} ms (API request to peer in the hub's WireGuard)\n`,
    );
  });
});
