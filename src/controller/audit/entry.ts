/**
 * The shape of one audit-log entry, declared once: the API answers with it (routes/audit.ts), the
 * repository reads into it (db/repo-audit.ts) and the table stores it (db/schema.ts, with
 * `before`/`after` as JSON text).
 */
import { z } from "zod";

export const auditEntry = z.object({
  id: z.number(),
  /** ISO-8601 UTC. */
  at: z.string(),
  /** `user:NAME`, `token:NAME`, `agent:NODE`, `system`. */
  actor: z.string(),
  /** Where the request came from (address, `cli`, …). */
  source: z.string(),
  action: z.string(),
  kind: z.string().nullable(),
  name: z.string().nullable(),
  /** The object before the change; null where there is none. */
  before: z.record(z.string(), z.unknown()).nullable(),
  /** The object after the change; null where there is none. */
  after: z.record(z.string(), z.unknown()).nullable(),
  /** The intent revision the change made, shared by every entry of one apply; null: it made none. */
  revision: z.number().nullable(),
});

export type AuditEntry = z.infer<typeof auditEntry>;
