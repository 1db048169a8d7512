/** Helpers for tests of the agent API: node credentials and sample status reports. */
import type { Node, StatusReport } from "../../model/index.js";
import { fakeKey } from "../../testing/topology.js";
import { issueNodeCredential } from "../auth/node-credentials.js";
import type { Db } from "../db/open.js";
import type { Credential } from "./api-harness.js";

/** Issues `node` a credential the way enrollment approval will, returned as a bearer credential. */
export async function nodeCredential(db: Db, node: string): Promise<Credential & { kind: "bearer" }> {
  const token = await db.transaction((tx) => issueNodeCredential(tx, node, new Date()));
  return { kind: "bearer", token };
}

/** A report with one interface and one peer per given key. */
export function sampleReport(
  appliedRevision: string | null,
  peers: ReadonlyArray<{ publicKey: string; rx?: number; tx?: number; handshake?: number }> = [],
): StatusReport {
  return {
    agentVersion: "0.1.0-test",
    appliedRevision,
    applyError: null,
    interfaces: [
      {
        name: "hw_corp",
        up: true,
        listenPort: 51820,
        peers: peers.map((p) => ({
          publicKey: p.publicKey,
          endpoint: "192.0.2.1:51820",
          rxBytes: p.rx ?? 0,
          txBytes: p.tx ?? 0,
          latestHandshake: p.handshake ?? 0,
        })),
      },
    ],
  };
}

/**
 * `count` spokes of the corp example's network on hub-fra only, tunnel addresses `10.100.THIRD.i+1`
 * (another `third` moves them all): enough of them give the hub the peers for patch delivery.
 */
export function corpSpokes(count: number, third: number): Node[] {
  return Array.from({ length: count }, (_, i) => ({
    apiVersion: "hubwire/v1",
    kind: "Node",
    metadata: { name: `many-${i}`, labels: { tier: "branch" } },
    spec: {
      network: "corp",
      role: "spoke",
      tunnelAddress: `10.100.${third}.${i + 1}`,
      subnets: [],
      hubs: ["hub-fra"],
      publicKey: fakeKey(7000 + i),
    },
  }));
}
