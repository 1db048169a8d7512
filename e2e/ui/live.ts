/**
 * Live data for the UI's tests and screenshots: on top of examples/corp, a hub (`hub-lon`, through
 * an auto-approving policy `dc`) and three edge boxes (`edge-a`..`edge-c`, through the corp
 * `edge` policy) enroll with the agent's own client; all but `edge-c` then report REPORTS every
 * 4 s, as agents do, until `stop()`.
 */
import { expect } from "vitest";
import { createJoinToken, enrollNode, type PeerCounters, reportLoop, TestAgent } from "./agents.js";
import type { UiLab } from "./harness.js";

export const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const up = (handshakeAgo: number | null, rxBytes: number, txBytes: number): PeerCounters => ({
  handshakeAgo,
  rxBytes,
  txBytes,
});

/** What each reporting node's data plane shows, by peer name: 5 GiB received in all. */
export const REPORTS: Record<string, Record<string, PeerCounters>> = {
  "hub-lon": { "hub-fra": up(40, 256 * MiB, 128 * MiB), "hub-sgp": up(null, 0, 0) },
  "edge-a": { "hub-fra": up(30, 2 * GiB, 300 * MiB), "hub-sgp": up(900, 1 * GiB - 256 * MiB, 100 * MiB) },
  "edge-b": { "hub-fra": up(10, 1 * GiB, 200 * MiB), "hub-sgp": up(20, 1 * GiB, 50 * MiB) },
};

export const HUB_POLICY = {
  apiVersion: "hubwire/v1",
  kind: "EnrollmentPolicy",
  metadata: { name: "dc" },
  spec: {
    network: "corp",
    role: "hub",
    nodeNames: ["hub-*"],
    tunnelAddressPrefixes: ["10.100.0.0/24"],
    subnetPrefixes: [{ prefix: "10.30.0.0/16", minLength: 16, maxLength: 24 }],
    endpointPrefixes: ["203.0.113.0/24"],
    approval: "auto",
  },
};

/** The enrolled agents and their report loop. */
export interface LiveAgents {
  readonly agents: readonly TestAgent[];
  readonly loop: ReturnType<typeof reportLoop>;
  stop(): void;
}

/** Enrolls the agents, fetches their desired state, and starts their reports (the first one sent). */
export async function startLiveAgents(lab: UiLab): Promise<LiveAgents> {
  const agents: TestAgent[] = [];
  await lab.apply([HUB_POLICY]);
  const hubToken = await createJoinToken(lab, "dc", 1);
  const edgeToken = await createJoinToken(lab, "edge", 3);
  const enrolled = [
    await enrollNode(hubToken, "hub-lon", { endpoint: "203.0.113.30:51820", subnets: ["10.30.0.0/16"] }),
    await enrollNode(edgeToken, "edge-a", { subnets: ["192.168.61.0/24"] }),
    await enrollNode(edgeToken, "edge-b", { subnets: ["192.168.62.0/24"] }),
    await enrollNode(edgeToken, "edge-c", { subnets: ["192.168.63.0/24"] }),
  ];
  for (const e of enrolled) agents.push(new TestAgent(e));
  for (const a of agents) await a.fetchConfig();
  const reporting = agents.filter((a) => a.node.name in REPORTS);
  // The peers reported are the desired state's, under their real public keys.
  for (const a of reporting) {
    const names = a.desired!.interfaces.flatMap((i) => i.peers.map((p) => p.name)).sort();
    expect(names, a.node.name).toEqual(Object.keys(REPORTS[a.node.name]!).sort());
  }
  const loop = reportLoop(reporting.map((agent) => ({ agent, peers: REPORTS[agent.node.name]! })));
  await loop.first;
  expect(loop.errors()).toEqual([]);
  return {
    agents,
    loop,
    stop() {
      loop.stop();
      for (const a of agents) a.close();
    },
  };
}
