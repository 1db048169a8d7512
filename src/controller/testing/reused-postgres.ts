/**
 * Fresh PostgreSQL databases for API tests, fast: creating and migrating a database per test costs
 * about half a second, so the databases of a test file are reused — emptied (every table but the
 * migrations', the audit id restarted) before each hand-out. A database handed out in one test is
 * free again in the next, so a test that needs two empty databases at once still gets two.
 */
import { sql } from "kysely";
import { beforeEach } from "vitest";
import type { PostgresFixture } from "../../testing/postgres.js";
import { openDatabase } from "../db/open.js";
import type { FreshDatabase } from "../db/suite-harness.js";

const UNUSED_DATA_DIR = "/nonexistent/hubwire-unused";
const DELETE_ORDER = ["sessions", "api_tokens", "users", "resource_labels", "resources"];

/** Registers its bookkeeping in the enclosing `describe`; call there. */
export function reusedPostgres(pg: PostgresFixture): FreshDatabase {
  const free: string[] = [pg.url];
  const taken: string[] = [];
  const tuned = new Set<string>();
  beforeEach(() => {
    free.push(...taken.splice(0));
  });
  return async () => {
    const databaseUrl = free.pop() ?? (await pg.freshDatabase());
    taken.push(databaseUrl);
    const db = await openDatabase({ databaseUrl, dataDir: UNUSED_DATA_DIR });
    try {
      if (!tuned.has(databaseUrl)) {
        // Tests need no durability across a server crash: not waiting for each commit's WAL flush
        // makes this request-heavy suite much faster on slow disks. Isolation is unchanged.
        const name = decodeURIComponent(new URL(databaseUrl).pathname.slice(1)).replaceAll('"', '""');
        await sql.raw(`alter database "${name}" set synchronous_commit = off`).execute(db.kysely);
        tuned.add(databaseUrl);
      }
      // DELETE, not TRUNCATE: for a few rows it is far cheaper (no new files to create and sync).
      await db.transaction(async (tx) => {
        const { rows } = await sql<{ name: string }>`
          select tablename as name from pg_tables
          where schemaname = current_schema() and tablename <> 'hubwire_migrations'`.execute(tx);
        // Referencing tables before the ones they reference; tables added later go last.
        const rank = (t: string) => {
          const i = DELETE_ORDER.indexOf(t);
          return i < 0 ? DELETE_ORDER.length : i;
        };
        for (const { name } of rows.sort((a, b) => rank(a.name) - rank(b.name))) {
          await sql`delete from ${sql.table(name)}`.execute(tx);
        }
        const identities = await sql<{ t: string; c: string }>`
          select table_name as t, column_name as c from information_schema.columns
          where table_schema = current_schema() and is_identity = 'YES'`.execute(tx);
        for (const { t, c } of identities.rows) {
          await sql`alter table ${sql.table(t)} alter column ${sql.ref(c)} restart`.execute(tx);
        }
      });
    } finally {
      await db.close();
    }
    return () => openDatabase({ databaseUrl, dataDir: UNUSED_DATA_DIR });
  };
}
