/**
 * `POST /agent/v1/status`: an agent's periodic report (peer counters and handshakes, interface
 * state, agent version, applied revision, apply error). Stored as the node's latest report; peers
 * are named from the node's desired state on the way in, so reads need no key lookups.
 */
import { type DesiredState, type StatusReport, statusReportSchema } from "../../../model/index.js";
import { rotationsProvenBy } from "../../enroll/rotation-finish.js";
import type { StoredInterface } from "../../status/status-store.js";
import { type AnyRoute, agentRoute } from "../route.js";
import type { Services } from "../services.js";

/** The report's interfaces with each peer's node name (null when its key is not in the desired state). */
export function namePeers(report: StatusReport, state: DesiredState | undefined): StoredInterface[] {
  const names = new Map<string, string>();
  for (const i of state?.interfaces ?? []) for (const p of i.peers) names.set(p.publicKey, p.name);
  return report.interfaces.map((i) => ({
    ...i,
    peers: i.peers.map((p) => ({ ...p, name: names.get(p.publicKey) ?? null })),
  }));
}

/**
 * A hub's report names every peer (≈ 200 bytes each; the schema allows 100,000): far above the
 * enrollment listener's limit for its small JSON documents, where agents send it. The credential
 * is checked before the body is read, so only a node can send this much.
 */
export const STATUS_REPORT_BODY_LIMIT = 32 * 1024 * 1024;

export function agentStatusRoutes(s: Services): AnyRoute[] {
  return [
    agentRoute({
      method: "POST",
      path: "/agent/v1/status",
      summary: "Report the calling node's status (every few seconds)",
      body: statusReportSchema,
      bodyLimit: STATUS_REPORT_BODY_LIMIT,
      status: 204,
      handler: async ({ principal, body, reply }) => {
        const node = principal.node!;
        const { notifier, status, attachments } = s.delivery;
        await status.record(node, body, namePeers(body, notifier.stateOf(node)));
        notifier.applied(node, body.appliedRevision, s.now());
        // After the report is stored: a hub's next report can then confirm a spoke's claim.
        await attachments.consider(node, body);
        await rotationsProvenBy(s.intent, notifier.rotations, node, body, s.now());
        reply.code(204);
        return undefined;
      },
    }),
  ];
}
