/**
 * The controller's tables as Kysely sees them, shared by SQLite and PostgreSQL. Column types are
 * the lowest common denominator of the two: JSON and timestamps are TEXT (JSON text, ISO-8601 UTC
 * strings, which sort correctly as text), booleans are INTEGER 0/1, and BIGINT values arrive as
 * numbers in both (open.ts installs an int8 parser for PostgreSQL). Repository functions translate
 * these rows to the shapes callers use; nothing outside `controller/db` should need this file.
 */
import type { Generated } from "kysely";
import type { AuditEntry } from "../audit/entry.js";

/** Which engine a database runs on; the few places that differ (DDL, locking) switch on it. */
export type DialectName = "sqlite" | "postgres";

/** Every table, by name. `hubwire_migrations` belongs to migrations.ts. */
export interface Database {
  hubwire_migrations: MigrationsTable;
  meta: MetaTable;
  resources: ResourcesTable;
  resource_labels: ResourceLabelsTable;
  users: UsersTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  audit_log: AuditLogTable;
  rate_limits: RateLimitsTable;
  node_credentials: NodeCredentialsTable;
  join_tokens: JoinTokensTable;
  enroll_nonces: EnrollNoncesTable;
  node_status: NodeStatusTable;
  node_traffic: NodeTrafficTable;
  attachments: AttachmentsTable;
  delivery_baselines: DeliveryBaselinesTable;
  delivery_holds: DeliveryHoldsTable;
}

/**
 * Which hub carries each spoke's traffic now, as the spoke reported it and its hub's handshake
 * confirmed (status/attachments.ts). An input of the compiler beside the intent: a change moves
 * the intent revision so every replica recompiles with it. Spokes absent: their first hub.
 */
export interface AttachmentsTable {
  node: string;
  hub: string;
  /** When the spoke moved there. */
  since: string;
}

/** One row per applied migration; its presence is what makes re-running a no-op. */
export interface MigrationsTable {
  id: string;
  applied_at: string;
}

/** Small controller-wide values: the intent revision, the controller id, bootstrap markers. */
export interface MetaTable {
  key: string;
  value: string;
}

/**
 * Intent, one row per resource. `network`, `role` and `state` are copies of fields inside the
 * JSON, kept as columns only so lists and metrics can filter on an index; NULL means the kind has
 * no such field.
 */
export interface ResourcesTable {
  kind: string;
  name: string;
  network: string | null;
  role: string | null;
  state: string | null;
  /** JSON of `metadata` (name, labels, annotations). */
  metadata: string;
  /** JSON of `spec`. */
  spec: string;
  /** JSON of `status`; NULL when the controller has recorded none. */
  status: string | null;
  generation: number;
  created_at: string;
  updated_at: string;
}

/** `metadata.labels` of each resource, one row per label, so label selectors use an index. */
export interface ResourceLabelsTable {
  kind: string;
  name: string;
  key: string;
  value: string;
}

export interface UsersTable {
  id: string;
  name: string;
  role: string;
  password_hash: string;
  /** 0 or 1. */
  disabled: number;
  language: string;
  created_at: string;
  updated_at: string;
}

/** Browser sessions, stored by the hash of the cookie value so a database leak reveals no session. */
export interface SessionsTable {
  id_hash: string;
  user_id: string;
  csrf_hash: string;
  created_at: string;
  expires_at: string;
  last_seen_at: string;
}

/** API tokens, stored by the hash of their secret. NULL `expires_at` means never expires. */
export interface ApiTokensTable {
  id: string;
  name: string;
  secret_hash: string;
  role: string;
  created_by: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}

/** Append-only record of every change. `before`/`after` are JSON; NULL where there is no side. */
export type AuditLogTable = Omit<AuditEntry, "id" | "before" | "after"> & {
  id: Generated<number>;
  before: string | null;
  after: string | null;
};

/** Fixed-window counters shared by all replicas. `window_start` is milliseconds since the epoch. */
export interface RateLimitsTable {
  key: string;
  window_start: number;
  count: number;
}

/**
 * Each node's credential for the agent API, stored by the hash of its secret. One row per node:
 * issuing again replaces it (the old credential stops working). `revoked_at` set: never valid again.
 */
export interface NodeCredentialsTable {
  node: string;
  secret_hash: string;
  issued_at: string;
  revoked_at: string | null;
}

/**
 * Join tokens for enrollment, stored by the hash of their secret. NULL `expires_at`/`max_uses`:
 * no limit. `uses` counts the enrollments the token admitted (idempotent retries do not count).
 */
export interface JoinTokensTable {
  id: string;
  policy: string;
  secret_hash: string;
  created_by: string;
  created_at: string;
  expires_at: string | null;
  max_uses: number | null;
  uses: Generated<number>;
  revoked_at: string | null;
}

/** Nonces already used in enrollment requests, per scope (`policy` or `node/NAME`). */
export interface EnrollNoncesTable {
  scope: string;
  nonce: string;
  seen_at: string;
}

/**
 * The latest status report of each node, one row per node that ever reported, overwritten by each
 * report. `online` is what the controller last recorded (for logging transitions once); whether a
 * node is online now is derived from `reported_at`'s age. `interfaces` is the report's JSON.
 */
export interface NodeStatusTable {
  node: string;
  reported_at: string;
  /** 0 or 1. */
  online: number;
  /** When the node last came online (its first report after being offline or unknown). */
  online_since: string;
  /** 1 when the latest report brought the node online (so the writer learns of the transition). */
  came_online: number;
  agent_version: string;
  /** NULL: the agent has applied nothing yet. */
  applied_revision: string | null;
  /** NULL: the last apply succeeded. */
  apply_error: string | null;
  /** Sums over every peer of every interface, as last reported. */
  rx_bytes: number;
  tx_bytes: number;
  interfaces: string;
  /** JSON array of the report's link health (LinkReport); NULL: the agent reports none. */
  links: string | null;
  /** The hub the spoke says carries its routes; NULL: none, or not reported. */
  active_hub: string | null;
  /** Route moves the agent's failover made since it started, as last reported. */
  failovers: number;
}

/** Samples of each node's traffic totals, at most one a minute and pruned after an hour. */
export interface NodeTrafficTable {
  node: string;
  at: string;
  rx_bytes: number;
  tx_bytes: number;
}

/**
 * The peers (public key → node name, JSON object) of the desired state last delivered to each
 * hub: what the blast-radius guard compares a new revision with. Kept across restores.
 */
export interface DeliveryBaselinesTable {
  node: string;
  revision: string;
  peers: string;
  delivered_at: string;
}

/**
 * Hubs whose newer desired state is held by the blast-radius guard until an operator confirms it.
 * `removed_names` is a JSON array (at most a sample) of the peers the revision would remove.
 */
export interface DeliveryHoldsTable {
  node: string;
  revision: string;
  baseline_revision: string;
  peers_before: number;
  removed: number;
  removed_names: string;
  held_at: string;
}
