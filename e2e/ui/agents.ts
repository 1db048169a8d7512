/**
 * Agents for the UI's tests and screenshots, done the real way: join tokens from the public API,
 * the agent's own `enroll()` against the controller's enrollment listener (TLS pinned by the
 * token), its desired state from `GET /agent/v1/config` and status reports through
 * `ConfigClient.report`, with the credential and CA the enrollment answer gave. Only the data
 * plane is left out: the counters and handshakes reported are chosen by the caller.
 */
import { ConfigClient } from "../../src/agent/client/config-client.js";
import { type EnrollRequestFields, type EnrollResult, enroll } from "../../src/agent/client/enroll.js";
import { generatePrivateKey, publicKeyFromPrivate } from "../../src/keys/wgkeys.js";
import type { DesiredState, StatusReport } from "../../src/model/index.js";
import type { UiLab } from "./harness.js";

/** `POST /api/v1/join-tokens` for `policy`; the token text. */
export async function createJoinToken(lab: UiLab, policy: string, uses = 10): Promise<string> {
  const r = await lab.api("POST", "/api/v1/join-tokens", { policy, ttl: "1h", uses });
  if (r.status !== 201) throw new Error(`join token for ${policy}: ${r.status} ${r.text}`);
  return r.json<{ token: string }>().token;
}

/** A node that asked to join: its fresh key pair and the controller's answer. */
export interface Enrolled {
  readonly name: string;
  readonly privateKey: string;
  readonly publicKey: string;
  readonly result: EnrollResult;
}

/** Has `name` ask to join with `token`, with a new key pair, as `hubwire join` does. */
export async function enrollNode(
  token: string,
  name: string,
  request: EnrollRequestFields,
): Promise<Enrolled> {
  const privateKey = generatePrivateKey();
  const result = await enroll({ token, nodeName: name, privateKey, request });
  return { name, privateKey, publicKey: publicKeyFromPrivate(privateKey), result };
}

/** What one peer shows in `wg show dump`: handshake this many seconds ago (null: never), bytes. */
export interface PeerCounters {
  readonly handshakeAgo: number | null;
  readonly rxBytes: number;
  readonly txBytes: number;
}

/** What the agent's failover adds to a report: probed links, the hub carrying it, route moves. */
export type FailoverReport = Pick<StatusReport, "links" | "activeHub" | "failovers">;

/** An approved node with its credential: fetches its desired state and reports status. */
export class TestAgent {
  readonly client: ConfigClient;
  desired?: DesiredState;

  constructor(readonly node: Enrolled) {
    const { result } = node;
    if (result.state !== "Approved" || !result.credential) {
      throw new Error(`${node.name} is ${result.state} (${result.reason ?? "no credential"}), not approved`);
    }
    this.client = new ConfigClient({
      urls: result.controllerUrls,
      credential: result.credential,
      ...(result.caPem ? { caPem: result.caPem } : {}),
      waitSeconds: 0,
      timeoutMs: 10_000,
    });
  }

  /** `GET /agent/v1/config`: the node's desired state (its peers' names and real public keys). */
  async fetchConfig(): Promise<DesiredState> {
    const desired = await this.client.next(undefined, AbortSignal.timeout(30_000));
    if (!desired) throw new Error(`${this.node.name}: no desired state`);
    this.desired = desired;
    return desired;
  }

  /** A status report as the agent sends it, with `peers` (by peer name) and the applied revision. */
  reportOf(
    peers: Readonly<Record<string, PeerCounters>>,
    nowSeconds = Math.floor(Date.now() / 1000),
    failover: FailoverReport = {},
  ): StatusReport {
    const desired = this.desired;
    if (!desired) throw new Error(`${this.node.name}: fetch the config first`);
    return {
      agentVersion: "0.1.0-test",
      appliedRevision: desired.revision,
      applyError: null,
      interfaces: desired.interfaces.map((i) => ({
        name: i.name,
        up: true,
        listenPort: i.listenPort ?? 51820,
        peers: i.peers.map((p) => {
          const c = peers[p.name];
          return {
            publicKey: p.publicKey,
            endpoint: c && c.handshakeAgo !== null ? (p.endpoint ?? "198.51.100.99:51820") : null,
            rxBytes: c?.rxBytes ?? 0,
            txBytes: c?.txBytes ?? 0,
            latestHandshake: c && c.handshakeAgo !== null ? nowSeconds - c.handshakeAgo : 0,
          };
        }),
      })),
      ...failover,
    };
  }

  /** `POST /agent/v1/status`, with the failover fields when given. */
  async report(peers: Readonly<Record<string, PeerCounters>>, failover?: FailoverReport): Promise<void> {
    await this.client.report(this.reportOf(peers, undefined, failover), AbortSignal.timeout(30_000));
  }

  close(): void {
    this.client.close();
  }
}

/**
 * Reports for `agents` every `everyMs` (agents report every 5 s; a node is offline after three
 * missed reports), the first at once; `stop()` ends it. Report failures are kept for `errors()`.
 */
export function reportLoop(
  agents: ReadonlyArray<{
    agent: TestAgent;
    peers: Readonly<Record<string, PeerCounters>>;
    failover?: FailoverReport;
  }>,
  everyMs = 4_000,
): { first: Promise<void>; stop(): void; errors(): string[] } {
  const errors: string[] = [];
  const once = async () => {
    await Promise.all(
      agents.map(({ agent, peers, failover }) =>
        agent.report(peers, failover).catch((e: Error) => {
          errors.push(`${agent.node.name}: ${e.message}`);
        }),
      ),
    );
  };
  const first = once();
  const timer = setInterval(() => void once(), everyMs);
  return { first, stop: () => clearInterval(timer), errors: () => [...errors] };
}
