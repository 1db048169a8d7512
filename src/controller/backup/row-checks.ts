/**
 * Every staged row a restore would write is checked with the schemas the API itself uses: a
 * backup is input like any request, and a hand-edited one must not smuggle in what the API
 * would refuse (a role `root`, a malformed resource, a user name no login could type).
 */
import type { Kysely } from "kysely";
import { z } from "zod";
import { dnsLabel, type Issue, parseResource } from "../../model/index.js";
import { language, tokenName, userName } from "../auth/account-fields.js";
import { ROLES } from "../auth/principal.js";
import type { Database } from "../db/schema.js";

const timestamp = z.iso.datetime({ offset: true });
const optionalTimestamp = timestamp.nullable();
const hash = z.string().min(16).max(512);
const flag = z.union([z.literal(0), z.literal(1)]);
const role = z.enum(ROLES);

/** Row schemas of the tables that hold credentials and who may do what. */
const ROWS = {
  users: z.object({
    id: z.string().min(1).max(64),
    name: userName,
    role,
    password_hash: z.string().startsWith("$argon2"),
    disabled: flag,
    language,
    created_at: timestamp,
    updated_at: timestamp,
  }),
  api_tokens: z.object({
    id: z.string().regex(/^[a-z0-9]{12}$/),
    name: tokenName,
    secret_hash: hash,
    role,
    created_by: z.string().min(1).max(200),
    created_at: timestamp,
    expires_at: optionalTimestamp,
    revoked_at: optionalTimestamp,
    last_used_at: optionalTimestamp,
  }),
  sessions: z.object({
    id_hash: hash,
    user_id: z.string().min(1).max(64),
    csrf_hash: hash,
    created_at: timestamp,
    expires_at: timestamp,
    last_seen_at: timestamp,
  }),
  node_credentials: z.object({
    node: dnsLabel,
    secret_hash: hash,
    issued_at: timestamp,
    revoked_at: optionalTimestamp,
  }),
  join_tokens: z.object({
    id: z.string().min(1).max(64),
    policy: dnsLabel,
    secret_hash: hash,
    created_by: z.string().min(1).max(200),
    created_at: timestamp,
    expires_at: optionalTimestamp,
    max_uses: z.number().int().min(1).nullable(),
    uses: z.number().int().min(0),
    revoked_at: optionalTimestamp,
  }),
} as const;

/** Every problem with the staged rows (at most `limit`), each naming its table, row and column. */
export async function checkRows(kysely: Kysely<Database>, limit = 100): Promise<Issue[]> {
  const issues: Issue[] = [];
  for (const [table, schema] of Object.entries(ROWS)) {
    const rows = (await kysely
      .selectFrom(table as keyof Database)
      .selectAll()
      .execute()) as Array<Record<string, unknown>>;
    for (const row of rows) {
      const result = schema.safeParse(row);
      if (result.success) continue;
      const name = String(row.id ?? row.node ?? row.id_hash ?? "?").slice(0, 64);
      for (const i of result.error.issues) {
        issues.push({ code: "invalid-field", kind: table, name, path: i.path.join("."), message: i.message });
      }
      if (issues.length >= limit) return issues.slice(0, limit);
    }
  }
  return issues;
}

/** The issues of a stored resource against the resource schemas the API applies. */
export function resourceIssues(resource: unknown, where: string): Issue[] {
  const parsed = parseResource(resource, where);
  return parsed.ok ? [] : parsed.issues;
}
