/**
 * The dashboard's summary: node counts by role and state, each hub's peers and how many of them
 * handshook recently, total traffic, and the intent revision. Counts are aggregated in the
 * database; only hubs' reports are read in full.
 */
import { z } from "zod";
import { nodeStatusCounts, nodeStatusPage } from "../../status/reads.js";
import { offlineCutoff, RECENT_HANDSHAKE_SECONDS } from "../../status/thresholds.js";
import { nodeStatusView } from "../../status/views.js";
import { type AnyRoute, route } from "../route.js";
import type { Services } from "../services.js";

const ROLES = ["hub", "spoke", "external"] as const;
const split = z.object({ online: z.number(), offline: z.number() });

export function overviewRoutes(s: Services): AnyRoute[] {
  return [
    route({
      method: "GET",
      path: "/api/v1/overview",
      permission: "read",
      summary: "Node counts by role and state, hubs, traffic totals and the intent revision",
      tag: "Status",
      response: z.object({
        nodes: z.object({
          total: z.number(),
          online: z.number(),
          offline: z.number(),
          byRole: z.object({ hub: split, spoke: split, external: split }),
        }),
        hubs: z.array(
          z.object({
            name: z.string(),
            network: z.string(),
            online: z.boolean(),
            peers: z.number(),
            peersWithRecentHandshake: z.number(),
          }),
        ),
        traffic: z.object({ rxBytes: z.number(), txBytes: z.number() }),
        revision: z.number(),
      }),
      handler: async () => {
        const snap = await s.intent.current();
        const now = s.now();
        const cutoff = offlineCutoff(now);
        const counts = await nodeStatusCounts(s.db, cutoff);
        const byRole = Object.fromEntries(ROLES.map((r) => [r, { online: 0, offline: 0 }])) as Record<
          (typeof ROLES)[number],
          { online: number; offline: number }
        >;
        let total = 0;
        let online = 0;
        for (const c of counts.byRole) {
          total += c.total;
          online += c.online;
          const slot = byRole[c.role as (typeof ROLES)[number]];
          if (slot) {
            slot.online += c.online;
            slot.offline += c.total - c.online;
          }
        }
        const hubs = [];
        let after: string | undefined;
        do {
          const page = await nodeStatusPage(s.db, { role: "hub", cutoff, limit: 1000, after });
          for (const row of page.items) {
            const v = nodeStatusView(row, undefined, now, cutoff);
            hubs.push({
              name: v.node,
              network: v.network,
              online: v.online,
              peers: v.peers.length,
              peersWithRecentHandshake: v.peers.filter(
                (p) => p.handshakeAgeSeconds !== null && p.handshakeAgeSeconds <= RECENT_HANDSHAKE_SECONDS,
              ).length,
            });
          }
          after = page.next;
        } while (after !== undefined);
        return {
          nodes: { total, online, offline: total - online, byRole },
          hubs,
          traffic: { rxBytes: counts.rx, txBytes: counts.tx },
          revision: snap.revision,
        };
      },
    }),
  ];
}
