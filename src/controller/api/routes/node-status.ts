/**
 * Node status for the UI: every Node with its latest report, filtered and paginated in the
 * database (by name), and one node with its recent traffic history for a chart.
 */
import { z } from "zod";
import { linkReportSchema } from "../../../model/index.js";
import { DomainError } from "../../errors.js";
import { nodeStatus, nodeStatusPage, nodeTraffic } from "../../status/reads.js";
import { offlineCutoff } from "../../status/thresholds.js";
import { nodeStatusView } from "../../status/views.js";
import { type AnyRoute, route } from "../route.js";
import type { Services } from "../services.js";

const peerView = z.object({
  name: z.string().nullable(),
  publicKey: z.string(),
  endpoint: z.string().nullable(),
  rxBytes: z.number(),
  txBytes: z.number(),
  latestHandshake: z.number(),
  handshakeAgeSeconds: z.number().nullable(),
});

const view = z.object({
  node: z.string(),
  network: z.string(),
  role: z.string(),
  online: z.boolean(),
  lastSeenAt: z.string().nullable(),
  agentVersion: z.string().nullable(),
  appliedRevision: z.string().nullable(),
  desiredRevision: z.string().nullable(),
  applyError: z.string().nullable(),
  rxBytes: z.number(),
  txBytes: z.number(),
  peers: z.array(peerView),
  links: z.array(linkReportSchema),
  activeHub: z.string().nullable(),
  failovers: z.number(),
  attachedSpokes: z.number().nullable(),
});

export function nodeStatusRoutes(s: Services): AnyRoute[] {
  return [
    route({
      method: "GET",
      path: "/api/v1/node-status",
      permission: "read",
      summary: "Nodes with their latest status report, by name",
      tag: "Status",
      query: z.strictObject({
        role: z.enum(["hub", "spoke", "external"]).optional(),
        online: z.enum(["true", "false"]).optional(),
        network: z.string().max(63).optional(),
        limit: z.coerce.number().int().min(1).max(1000).default(100),
        after: z.string().max(63).optional(),
      }),
      response: z.object({ items: z.array(view), next: z.string().optional() }),
      handler: async ({ query }) => {
        const now = s.now();
        const cutoff = offlineCutoff(now);
        const page = await nodeStatusPage(s.db, {
          ...query,
          online: query.online === undefined ? undefined : query.online === "true",
          cutoff,
        });
        const { notifier } = s.delivery;
        return {
          items: page.items.map((r) =>
            nodeStatusView(
              r,
              notifier.revisionOf(r.node),
              now,
              cutoff,
              s.delivery.attachments.spokesOf(r.node),
            ),
          ),
          ...(page.next !== undefined ? { next: page.next } : {}),
        };
      },
    }),
    route({
      method: "GET",
      path: "/api/v1/node-status/:name",
      permission: "read",
      summary: "One node's status and its recent traffic (oldest sample first)",
      tag: "Status",
      params: z.strictObject({ name: z.string().max(63) }),
      response: view.extend({
        history: z.array(z.object({ at: z.string(), rxBytes: z.number(), txBytes: z.number() })),
      }),
      handler: async ({ params }) => {
        const row = await nodeStatus(s.db, params.name);
        if (!row) throw new DomainError("not-found", `Node/${params.name} does not exist`);
        const now = s.now();
        const history = await nodeTraffic(s.db, params.name);
        return {
          ...nodeStatusView(
            row,
            s.delivery.notifier.revisionOf(row.node),
            now,
            offlineCutoff(now),
            s.delivery.attachments.spokesOf(row.node),
          ),
          history: history.map((h) => ({
            at: h.at,
            rxBytes: Number(h.rx_bytes),
            txBytes: Number(h.tx_bytes),
          })),
        };
      },
    }),
  ];
}
