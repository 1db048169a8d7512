/**
 * A controller with enrolled, reporting nodes, for the monitoring tests: examples/corp applied, a
 * hub (`hub-lon`) and two edge boxes (`edge-a`, `edge-b`) enrolled with the agent's own `enroll()`
 * through the TLS enrollment listener, each sending status reports with `ConfigClient.report` —
 * handshakes and byte counters for its desired state's peers, and probe results for each of its
 * uplinks or hub links (`links`, `activeHub`, `failovers`). Only the data plane is left out: what
 * the reports say is chosen here, so the tests know which alert must have data.
 *
 * The story the reports tell: hub-sgp answers nobody's probes (every link to it down, 60-100%
 * loss, edge-a's handshake with it 15 minutes old); hub-fra answers everyone. The declared corp
 * nodes (hub-fra, hub-sgp, branches) never report, so they are offline.
 */
import { join } from "node:path";
import { ConfigClient } from "../../src/agent/client/config-client.js";
import { enroll } from "../../src/agent/client/enroll.js";
import { corpYaml } from "../../src/controller/testing/api-harness.js";
import { type LiveController, liveController } from "../../src/controller/testing/live-controller.js";
import { generatePrivateKey } from "../../src/keys/wgkeys.js";
import type { DesiredState, LinkReport, StatusReport } from "../../src/model/index.js";

/** Probe results per remote hub, as every reporting node sees them. */
const LINKS: Record<string, { up: boolean; rttMs: number | null; loss: number }> = {
  "hub-fra": { up: true, rttMs: 12, loss: 0 },
  "hub-sgp": { up: false, rttMs: null, loss: 0.6 },
  "hub-lon": { up: true, rttMs: 3, loss: 0 },
};

/** Seconds since the latest handshake, by peer name (others: 20 s). */
const HANDSHAKE_AGO: Record<string, Record<string, number>> = {
  "edge-a": { "hub-sgp": 900 },
};

const HUB_POLICY = {
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

/** One enrolled node that reports like an agent. */
class ReportingNode {
  private desired?: DesiredState;
  private reports = 0;

  constructor(
    readonly name: string,
    readonly client: ConfigClient,
  ) {}

  /** Fetches the current desired state (as the long poll would) and reports it applied. */
  async report(): Promise<void> {
    const desired = await this.client.next(undefined, AbortSignal.timeout(30_000));
    if (desired) this.desired = desired;
    await this.client.report(this.status(), AbortSignal.timeout(30_000));
  }

  private status(): StatusReport {
    const d = this.desired;
    if (!d) throw new Error(`${this.name}: no desired state`);
    const n = ++this.reports;
    const now = Math.floor(Date.now() / 1000);
    const links: LinkReport[] = d.interfaces
      .filter((i) => (i.purpose === "uplink" || i.purpose === "hub-link") && i.remote !== undefined)
      .map((i) => {
        const l = LINKS[i.remote!] ?? { up: true, rttMs: 5, loss: 0 };
        const sent = 5 * n;
        return {
          interface: i.name,
          remote: i.remote!,
          ...(i.priority !== undefined ? { priority: i.priority } : {}),
          state: l.up ? "up" : "down",
          rttMs: l.rttMs,
          loss: l.loss,
          probesSent: sent,
          probesLost: Math.round(sent * l.loss),
          since: null,
        };
      });
    const active = links.find((l) => l.state === "up" && l.priority !== undefined)?.remote ?? null;
    return {
      agentVersion: "0.1.0-test",
      appliedRevision: d.revision,
      applyError: null,
      interfaces: d.interfaces.map((i) => ({
        name: i.name,
        up: true,
        listenPort: i.listenPort ?? 51820,
        peers: i.peers.map((p) => ({
          publicKey: p.publicKey,
          endpoint: p.endpoint ?? "198.51.100.99:51820",
          // Traffic grows with every report, so rates are not zero.
          rxBytes: 40_000 * n,
          txBytes: 25_000 * n,
          latestHandshake: now - (HANDSHAKE_AGO[this.name]?.[p.name] ?? 20),
        })),
      })),
      links,
      ...(d.role === "spoke" ? { activeHub: active, failovers: 1 } : { failovers: 0 }),
    };
  }
}

export interface ReportingLab {
  /** The replica the agents enrolled with and report to. */
  readonly controller: LiveController;
  /** A second replica on the same PostgreSQL database (none on SQLite). */
  readonly replica?: LiveController;
  readonly nodes: readonly ReportingNode[];
  /** One report from every node. */
  reportAll(): Promise<void>;
  /** `count` join requests refused for a name outside the edge policy. */
  refuseJoins(count: number): Promise<void>;
  /** A change to the intent that gives hub-lon a new desired state (a new spoke to serve). */
  changeIntent(): Promise<void>;
  close(): Promise<void>;
}

async function joinToken(c: LiveController, policy: string, uses: number): Promise<string> {
  const r = await c.call("POST", "/api/v1/join-tokens", { policy, ttl: "1h", uses });
  if (r.status !== 201) throw new Error(`join token for ${policy}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json.token as string;
}

/**
 * Starts the lab in `dataDir`; with `databaseUrl` (PostgreSQL), two replicas share that database,
 * as a deployment behind one database runs them.
 */
export async function startReportingLab(dataDir: string, databaseUrl?: string): Promise<ReportingLab> {
  // No enrollment rate limit: the test sends a burst of refused joins from one address.
  const db = databaseUrl ? { databaseUrl } : {};
  const controller = await liveController(join(dataDir, "replica-1"), {
    ...db,
    enrollLimits: { perAddress: 0, perToken: 0 },
  });
  let replica: LiveController | undefined;
  try {
    if (databaseUrl) replica = await liveController(join(dataDir, "replica-2"), db);
    const applied = await controller.call("POST", "/api/v1/apply", corpYaml(), "application/yaml");
    if (applied.status !== 200)
      throw new Error(`apply corp: ${applied.status} ${JSON.stringify(applied.json)}`);
    const policy = await controller.call("POST", "/api/v1/apply", { items: [HUB_POLICY] });
    if (policy.status !== 200) throw new Error(`apply dc policy: ${policy.status}`);
    const hubToken = await joinToken(controller, "dc", 1);
    const edgeToken = await joinToken(controller, "edge", 10);
    const joinNode = async (
      token: string,
      name: string,
      request: Parameters<typeof enroll>[0]["request"],
    ) => {
      const result = await enroll({ token, nodeName: name, privateKey: generatePrivateKey(), request });
      if (result.state !== "Approved" || !result.credential) throw new Error(`${name}: ${result.state}`);
      const client = new ConfigClient({
        urls: result.controllerUrls,
        credential: result.credential,
        ...(result.caPem ? { caPem: result.caPem } : {}),
        waitSeconds: 0,
        timeoutMs: 10_000,
      });
      return new ReportingNode(name, client);
    };
    const nodes = [
      await joinNode(hubToken, "hub-lon", { endpoint: "203.0.113.30:51820", subnets: ["10.30.0.0/16"] }),
      await joinNode(edgeToken, "edge-a", { subnets: ["192.168.61.0/24"] }),
      await joinNode(edgeToken, "edge-b", { subnets: ["192.168.62.0/24"] }),
    ];
    let rogue = 0;
    const lab: ReportingLab = {
      controller,
      ...(replica ? { replica } : {}),
      nodes,
      reportAll: async () => {
        await Promise.all(nodes.map((n) => n.report()));
      },
      refuseJoins: async (count) => {
        for (let i = 0; i < count; i++) {
          const name = `rogue-${++rogue}`;
          const answer = await enroll({
            token: edgeToken,
            nodeName: name,
            privateKey: generatePrivateKey(),
            request: { subnets: ["192.168.99.0/24"] },
          });
          if (answer.state !== "Rejected" || !answer.reason?.startsWith("name-not-allowed:"))
            throw new Error(`${name} was not refused for its name: ${JSON.stringify(answer)}`);
        }
      },
      changeIntent: async () => {
        const r = await controller.call("POST", "/api/v1/apply", {
          items: [
            {
              apiVersion: "hubwire/v1",
              kind: "Node",
              metadata: { name: "edge-new", labels: { tier: "edge" } },
              spec: { network: "corp", role: "spoke", hubs: ["hub-fra", "hub-sgp", "hub-lon"] },
            },
          ],
        });
        if (r.status !== 200) throw new Error(`apply edge-new: ${r.status} ${JSON.stringify(r.json)}`);
      },
      close: async () => {
        for (const n of nodes) n.client.close();
        await replica?.close();
        await controller.close();
      },
    };
    return lab;
  } catch (error) {
    await replica?.close();
    await controller.close();
    throw error;
  }
}
