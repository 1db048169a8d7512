/**
 * Schema migrations, written with Kysely's schema builder so one list serves SQLite and
 * PostgreSQL. Migrations are append-only: a released migration is never edited, a change is a new
 * entry. `migrate` is safe when several replicas start at once: they take turns under a database
 * lock, and each applies only what the previous one left pending.
 */
import { type ColumnDefinitionBuilder, type Kysely, sql } from "kysely";
import type { Database, DialectName } from "./schema.js";
import { beginImmediate } from "./sqlite-immediate.js";

/** One schema step. `up` gets a schema-only view of the database so it never depends on today's types. */
export interface Migration {
  /** Sortable and unique; recorded in `hubwire_migrations` once applied. */
  readonly id: string;
  up(db: Kysely<unknown>, dialect: DialectName): Promise<void>;
}

/**
 * PostgreSQL advisory lock key (two int4s: "hubw", 1) held for the migration transaction. Any
 * process migrating a hubwire database takes it, so migrations never run twice at once.
 */
const PG_MIGRATION_LOCK = [0x68756277, 1] as const;

/**
 * Names, kinds and label keys/values compare bytewise in PostgreSQL as they do in SQLite, so
 * ordering and the `after` cursor behave the same on both whatever the database's locale.
 */
const bytewise = (dialect: DialectName) => (col: ColumnDefinitionBuilder) =>
  (dialect === "postgres" ? col.modifyFront(sql`collate "C"`) : col).notNull();

/** Every migration, oldest first. */
export const MIGRATIONS: readonly Migration[] = [
  {
    id: "0001_initial",
    async up(db, dialect) {
      const key = bytewise(dialect);
      await db.schema
        .createTable("meta")
        .addColumn("key", "text", (c) => c.primaryKey())
        .addColumn("value", "text", (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("resources")
        .addColumn("kind", "text", key)
        .addColumn("name", "text", key)
        .addColumn("network", "text", (c) => (dialect === "postgres" ? c.modifyFront(sql`collate "C"`) : c))
        .addColumn("role", "text")
        .addColumn("state", "text")
        .addColumn("metadata", "text", (c) => c.notNull())
        .addColumn("spec", "text", (c) => c.notNull())
        .addColumn("status", "text")
        .addColumn("generation", "integer", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("updated_at", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("resources_pk", ["kind", "name"])
        .execute();
      // `name` last: a filtered list walks the index in name order, which is the cursor order.
      for (const column of ["network", "role", "state"] as const) {
        await db.schema
          .createIndex(`resources_kind_${column}`)
          .on("resources")
          .columns(["kind", column, "name"])
          .execute();
      }

      await db.schema
        .createTable("resource_labels")
        .addColumn("kind", "text", key)
        .addColumn("name", "text", key)
        .addColumn("key", "text", key)
        .addColumn("value", "text", key)
        .addPrimaryKeyConstraint("resource_labels_pk", ["kind", "name", "key"])
        .addForeignKeyConstraint(
          "resource_labels_resource",
          ["kind", "name"],
          "resources",
          ["kind", "name"],
          (c) => c.onDelete("cascade"),
        )
        .execute();
      await db.schema
        .createIndex("resource_labels_kind_key_value")
        .on("resource_labels")
        .columns(["kind", "key", "value", "name"])
        .execute();

      await db.schema
        .createTable("users")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("name", "text", (c) => c.notNull().unique())
        .addColumn("role", "text", (c) => c.notNull())
        .addColumn("password_hash", "text", (c) => c.notNull())
        .addColumn("disabled", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("language", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("updated_at", "text", (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("sessions")
        .addColumn("id_hash", "text", (c) => c.primaryKey())
        .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
        .addColumn("csrf_hash", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("expires_at", "text", (c) => c.notNull())
        .addColumn("last_seen_at", "text", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("sessions_user_id").on("sessions").column("user_id").execute();
      await db.schema.createIndex("sessions_expires_at").on("sessions").column("expires_at").execute();

      await db.schema
        .createTable("api_tokens")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("secret_hash", "text", (c) => c.notNull())
        .addColumn("role", "text", (c) => c.notNull())
        .addColumn("created_by", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("expires_at", "text")
        .addColumn("revoked_at", "text")
        .addColumn("last_used_at", "text")
        .execute();

      await db.schema
        .createTable("audit_log")
        // The one unavoidable difference: how each engine spells an ever-increasing id. SQLite's
        // AUTOINCREMENT never reuses the id of a deleted newest row, so cursors stay stable.
        .addColumn("id", dialect === "postgres" ? "bigint" : "integer", (c) =>
          dialect === "postgres"
            ? c.generatedByDefaultAsIdentity().primaryKey()
            : c.primaryKey().autoIncrement(),
        )
        .addColumn("at", "text", (c) => c.notNull())
        .addColumn("actor", "text", (c) => c.notNull())
        .addColumn("source", "text", (c) => c.notNull())
        .addColumn("action", "text", (c) => c.notNull())
        .addColumn("kind", "text")
        .addColumn("name", "text")
        .addColumn("before", "text")
        .addColumn("after", "text")
        .execute();
      await db.schema.createIndex("audit_log_actor").on("audit_log").columns(["actor", "id"]).execute();
      await db.schema
        .createIndex("audit_log_kind_name")
        .on("audit_log")
        .columns(["kind", "name", "id"])
        .execute();
      await db.schema.createIndex("audit_log_at").on("audit_log").column("at").execute();

      await db.schema
        .createTable("rate_limits")
        .addColumn("key", "text", (c) => c.primaryKey())
        .addColumn("window_start", "bigint", (c) => c.notNull())
        .addColumn("count", "integer", (c) => c.notNull())
        .execute();
    },
  },
  {
    // Each approved node's own credential for the agent API (SPEC §4): only its hash is stored,
    // one per node, replaced on re-issue; a revoked one never authenticates again.
    id: "0002_node_credentials",
    async up(db, dialect) {
      await db.schema
        .createTable("node_credentials")
        .addColumn("node", "text", bytewise(dialect))
        .addColumn("secret_hash", "text", (c) => c.notNull())
        .addColumn("issued_at", "text", (c) => c.notNull())
        .addColumn("revoked_at", "text")
        .addPrimaryKeyConstraint("node_credentials_pk", ["node"])
        .execute();
    },
  },
  {
    // Join tokens (SPEC §4): stored by the hash of their secret; uses counted in the enrollment
    // transaction. Nonces of enrollment requests, per scope (policy), so a replay is refused even
    // after a restart; pruned once older than twice the allowed clock skew.
    id: "0003_join_tokens",
    async up(db, dialect) {
      const key = bytewise(dialect);
      await db.schema
        .createTable("join_tokens")
        .addColumn("id", "text", key)
        .addColumn("policy", "text", key)
        .addColumn("secret_hash", "text", (c) => c.notNull())
        .addColumn("created_by", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("expires_at", "text")
        .addColumn("max_uses", "integer")
        .addColumn("uses", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("revoked_at", "text")
        .addPrimaryKeyConstraint("join_tokens_pk", ["id"])
        .execute();
      await db.schema
        .createTable("enroll_nonces")
        .addColumn("scope", "text", key)
        .addColumn("nonce", "text", key)
        .addColumn("seen_at", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("enroll_nonces_pk", ["scope", "nonce"])
        .execute();
      await db.schema.createIndex("enroll_nonces_seen_at").on("enroll_nonces").column("seen_at").execute();
    },
  },
  {
    // The latest status report of each node (one row, overwritten per report) and a bounded
    // history of its traffic totals for the UI's chart. Both live in the database so every
    // replica serves the same view and it survives restarts.
    id: "0004_node_status",
    async up(db, dialect) {
      await db.schema
        .createTable("node_status")
        .addColumn("node", "text", bytewise(dialect))
        .addColumn("reported_at", "text", (c) => c.notNull())
        .addColumn("online", "integer", (c) => c.notNull())
        .addColumn("online_since", "text", (c) => c.notNull())
        .addColumn("came_online", "integer", (c) => c.notNull())
        .addColumn("agent_version", "text", (c) => c.notNull())
        .addColumn("applied_revision", "text")
        .addColumn("apply_error", "text")
        .addColumn("rx_bytes", "bigint", (c) => c.notNull())
        .addColumn("tx_bytes", "bigint", (c) => c.notNull())
        .addColumn("interfaces", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("node_status_pk", ["node"])
        .execute();
      await db.schema
        .createTable("node_traffic")
        .addColumn("node", "text", bytewise(dialect))
        .addColumn("at", "text", (c) => c.notNull())
        .addColumn("rx_bytes", "bigint", (c) => c.notNull())
        .addColumn("tx_bytes", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("node_traffic_pk", ["node", "at"])
        .execute();
      await db.schema.createIndex("node_traffic_at").on("node_traffic").column("at").execute();
    },
  },
  {
    // Failover between hubs: each node's reported link health and active hub, and where the
    // controller has accepted that each spoke is attached (an input of the compiler).
    id: "0005_failover",
    async up(db, dialect) {
      await db.schema.alterTable("node_status").addColumn("links", "text").execute();
      await db.schema.alterTable("node_status").addColumn("active_hub", "text").execute();
      await db.schema
        .alterTable("node_status")
        .addColumn("failovers", "bigint", (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createTable("attachments")
        .addColumn("node", "text", bytewise(dialect))
        .addColumn("hub", "text", (c) => c.notNull())
        .addColumn("since", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("attachments_pk", ["node"])
        .execute();
    },
  },
  {
    // The blast-radius guard (SPEC §5): the peers last delivered to each hub, and the hubs whose
    // next revision is held for an operator's confirmation. Operational state about the data
    // plane, not intent: a backup leaves both out and a restore keeps them (backup/tables.ts),
    // so restoring an old backup is compared with what the hubs really run.
    id: "0006_delivery_guard",
    async up(db, dialect) {
      await db.schema
        .createTable("delivery_baselines")
        .addColumn("node", "text", bytewise(dialect))
        .addColumn("revision", "text", (c) => c.notNull())
        .addColumn("peers", "text", (c) => c.notNull())
        .addColumn("delivered_at", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("delivery_baselines_pk", ["node"])
        .execute();
      await db.schema
        .createTable("delivery_holds")
        .addColumn("node", "text", bytewise(dialect))
        .addColumn("revision", "text", (c) => c.notNull())
        .addColumn("baseline_revision", "text", (c) => c.notNull())
        .addColumn("peers_before", "integer", (c) => c.notNull())
        .addColumn("removed", "integer", (c) => c.notNull())
        .addColumn("removed_names", "text", (c) => c.notNull())
        .addColumn("held_at", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("delivery_holds_pk", ["node"])
        .execute();
    },
  },
  {
    // The revision an audit entry's change made: the entries of one apply share it, so the log
    // shows (and filters) an apply of many resources as one change. NULL for entries that move no
    // revision (sign-ins, users, tokens) and for entries written before this migration.
    id: "h15_audit_revision",
    async up(db) {
      await db.schema.alterTable("audit_log").addColumn("revision", "bigint").execute();
      await db.schema.createIndex("audit_log_revision").on("audit_log").columns(["revision", "id"]).execute();
    },
  },
];

/**
 * Applies the migrations `db` lacks, in order, in ONE transaction under a lock — PostgreSQL: an
 * advisory transaction lock; SQLite: `BEGIN IMMEDIATE` (waiting, asynchronously, up to the busy
 * timeout). A second replica starting at the same moment waits, then finds nothing pending. DDL is
 * transactional on both engines, so a failed migration leaves the schema as it was. Refuses a
 * database that records migrations this build does not know (a newer hubwire wrote it).
 * Returns the ids applied by this call; empty when there was nothing to do.
 */
export async function migrate(
  db: Kysely<Database>,
  dialect: DialectName,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<string[]> {
  if (dialect === "postgres") {
    return db
      .transaction()
      .setIsolationLevel("read committed")
      .execute(async (tx) => {
        // READ COMMITTED: each statement after the lock sees what the previous holder committed.
        await sql`select pg_advisory_xact_lock(${sql.lit(PG_MIGRATION_LOCK[0])}, ${sql.lit(PG_MIGRATION_LOCK[1])})`.execute(
          tx,
        );
        return applyPending(tx, dialect, migrations);
      });
  }
  return db.connection().execute(async (conn) => {
    await beginImmediate((statement) => sql.raw(statement).execute(conn));
    try {
      const applied = await applyPending(conn, dialect, migrations);
      await sql`commit`.execute(conn);
      return applied;
    } catch (error) {
      await sql`rollback`.execute(conn).catch(() => undefined);
      throw error;
    }
  });
}

async function applyPending(
  db: Kysely<Database>,
  dialect: DialectName,
  migrations: readonly Migration[],
): Promise<string[]> {
  await db.schema
    .createTable("hubwire_migrations")
    .ifNotExists()
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("applied_at", "text", (c) => c.notNull())
    .execute();
  const done = new Set((await db.selectFrom("hubwire_migrations").select("id").execute()).map((r) => r.id));
  const unknown = [...done].filter((id) => !migrations.some((m) => m.id === id)).sort();
  if (unknown.length > 0) {
    throw new Error(
      `the database was migrated by a newer hubwire (unknown migrations: ${unknown.join(", ")}); ` +
        "refusing to use it with this version",
    );
  }
  const applied: string[] = [];
  for (const migration of migrations) {
    if (done.has(migration.id)) continue;
    await migration.up(db as unknown as Kysely<unknown>, dialect);
    await db
      .insertInto("hubwire_migrations")
      .values({ id: migration.id, applied_at: new Date().toISOString() })
      .execute();
    applied.push(migration.id);
  }
  return applied;
}
