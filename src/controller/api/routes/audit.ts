/**
 * The audit log, newest first, filtered and paginated; and an export as JSON
 * lines. Entries are structured (never pre-formatted text), so a name with
 * control characters cannot forge a line.
 */
import { z } from "zod";
import { auditPage } from "../../audit/audit-log.js";
import { auditEntry } from "../../audit/entry.js";
import { type AnyRoute, route } from "../route.js";
import type { Services } from "../services.js";

const filters = z.strictObject({
  actor: z.string().max(200).optional(),
  action: z.string().max(64).optional(),
  kind: z.string().max(64).optional(),
  name: z.string().max(200).optional(),
  /** Only the entries of the change that made this intent revision (one apply, import, restore…). */
  revision: z.coerce.number().int().nonnegative().optional(),
  since: z.iso.datetime().optional(),
  until: z.iso.datetime().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  /** The `next` of the previous page. */
  before: z.coerce.number().int().positive().optional(),
  /** `revision`: a page never ends inside one change (it may then hold more than `limit`). */
  group: z.enum(["revision"]).optional(),
});

export function auditRoutes(s: Services): AnyRoute[] {
  return [
    route({
      method: "GET",
      path: "/api/v1/audit",
      permission: "read",
      summary: "Audit log entries, newest first",
      tag: "Audit",
      query: filters,
      response: z.object({ items: z.array(auditEntry), next: z.number().optional() }),
      handler: async ({ query }) => {
        const { group, ...filter } = query;
        const page = await auditPage(s.db, { ...filter, wholeRevisions: group === "revision" });
        return { items: page.items, ...(page.next !== undefined ? { next: page.next } : {}) };
      },
    }),
    route({
      method: "GET",
      path: "/api/v1/audit/export",
      permission: "read",
      summary: "Audit log entries as JSON lines (newest first, same filters; up to 100,000)",
      tag: "Audit",
      produces: ["application/x-ndjson"],
      query: filters.omit({ limit: true, before: true, group: true }),
      handler: async ({ query, reply }) => {
        const lines: string[] = [];
        let before: number | undefined;
        do {
          const page = await auditPage(s.db, { ...query, limit: 1000, before });
          for (const r of page.items) lines.push(JSON.stringify(r));
          before = page.next;
        } while (before !== undefined && lines.length < 100_000);
        reply.type("application/x-ndjson; charset=utf-8");
        return lines.length ? `${lines.join("\n")}\n` : "";
      },
    }),
  ];
}
