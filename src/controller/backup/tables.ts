/**
 * What a backup covers, read from the database itself rather than from a list kept here: every
 * table but `hubwire_migrations`, {@link KEPT_ACROSS_RESTORE} (and SQLite's own `sqlite_*`), its columns in order, its primary
 * key, and an order in which every table comes after the tables its foreign keys point at. So a
 * table added by a later migration is backed up and restored without touching this module.
 */
import { type Kysely, sql } from "kysely";
import { byteOrder } from "../../model/order.js";
import type { DialectName } from "../db/schema.js";

/** The table that records the schema; a backup carries its ids in the header instead. */
export const MIGRATIONS_TABLE = "hubwire_migrations";

/**
 * Tables about the data plane as it is, not about intent: the blast-radius guard's record of what
 * each hub runs and which deliveries are held. A backup leaves them out and a restore keeps them,
 * so a restored old database is compared with what the hubs really run (and held), not with the
 * old database's own idea of it.
 */
export const KEPT_ACROSS_RESTORE: readonly string[] = ["delivery_baselines", "delivery_holds"];

/** One table as a backup sees it. */
export interface TableInfo {
  readonly name: string;
  readonly columns: readonly string[];
  /** Primary-key columns in key order; empty when the table has none. */
  readonly primaryKey: readonly string[];
  /** Tables this one's foreign keys reference (itself excluded). */
  readonly parents: readonly string[];
}

/** `"name"` — an SQL identifier, quoted the same way for SQLite and PostgreSQL. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Every table of the database `db` (any Kysely or transaction on it), parents first; ties by
 * name, so the order is the same on both engines for the same schema.
 */
// biome-ignore lint/suspicious/noExplicitAny: tables are named at run time
export async function describeTables(db: Kysely<any>, dialect: DialectName): Promise<TableInfo[]> {
  const tables = dialect === "postgres" ? await describePostgres(db) : await describeSqlite(db);
  return parentsFirst(
    tables.filter((t) => t.name !== MIGRATIONS_TABLE && !KEPT_ACROSS_RESTORE.includes(t.name)),
  );
}

// biome-ignore lint/suspicious/noExplicitAny: tables are named at run time
async function describeSqlite(db: Kysely<any>): Promise<TableInfo[]> {
  const { rows: names } = await sql<{ name: string }>`
    select name from sqlite_master where type = 'table' and substr(name, 1, 7) <> 'sqlite_' order by name
  `.execute(db);
  const out: TableInfo[] = [];
  for (const { name } of names) {
    const { rows: cols } = await sql<{ name: string; pk: number }>`
      select name, pk from pragma_table_info(${name}) order by cid
    `.execute(db);
    const { rows: fks } = await sql<{ parent: string }>`
      select distinct "table" as parent from pragma_foreign_key_list(${name})
    `.execute(db);
    out.push({
      name,
      columns: cols.map((c) => c.name),
      primaryKey: cols
        .filter((c) => c.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((c) => c.name),
      parents: fks.map((f) => f.parent).filter((p) => p !== name),
    });
  }
  return out;
}

// biome-ignore lint/suspicious/noExplicitAny: tables are named at run time
async function describePostgres(db: Kysely<any>): Promise<TableInfo[]> {
  const { rows: cols } = await sql<{ table_name: string; column_name: string }>`
    select table_name, column_name from information_schema.columns
    where table_schema = current_schema()
      and table_name in (
        select table_name from information_schema.tables
        where table_schema = current_schema() and table_type = 'BASE TABLE'
      )
    order by table_name, ordinal_position
  `.execute(db);
  const { rows: keys } = await sql<{ table_name: string; column_name: string }>`
    select c.relname as table_name, a.attname as column_name
    from pg_index i
    join pg_class c on c.oid = i.indrelid
    join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
    where i.indisprimary and c.relnamespace = to_regnamespace(current_schema())
    order by c.relname, array_position(i.indkey::int2[], a.attnum)
  `.execute(db);
  const { rows: fks } = await sql<{ child: string; parent: string }>`
    select distinct cl.relname as child, pl.relname as parent
    from pg_constraint k
    join pg_class cl on cl.oid = k.conrelid
    join pg_class pl on pl.oid = k.confrelid
    where k.contype = 'f' and k.connamespace = to_regnamespace(current_schema())
  `.execute(db);
  const byName = new Map<string, { columns: string[]; primaryKey: string[]; parents: string[] }>();
  for (const c of cols) {
    const t = byName.get(c.table_name) ?? { columns: [], primaryKey: [], parents: [] };
    byName.set(c.table_name, t);
    t.columns.push(c.column_name);
  }
  for (const k of keys) byName.get(k.table_name)?.primaryKey.push(k.column_name);
  for (const f of fks) if (f.child !== f.parent) byName.get(f.child)?.parents.push(f.parent);
  return [...byName].map(([name, t]) => ({ name, ...t }));
}

/** Tables sorted so that each comes after its parents (Kahn's algorithm, ties by name). */
export function parentsFirst(tables: readonly TableInfo[]): TableInfo[] {
  const known = new Set(tables.map((t) => t.name));
  const pending = new Map(tables.map((t) => [t.name, t]));
  const done = new Set<string>();
  const out: TableInfo[] = [];
  while (pending.size > 0) {
    const ready = [...pending.values()]
      .filter((t) => t.parents.every((p) => done.has(p) || !known.has(p)))
      .sort((a, b) => byteOrder(a.name, b.name));
    if (ready.length === 0) {
      throw new Error(`foreign keys form a cycle among ${[...pending.keys()].join(", ")}`);
    }
    const next = ready[0]!;
    pending.delete(next.name);
    done.add(next.name);
    out.push(next);
  }
  return out;
}

/** The migration ids recorded in a database, sorted. */
// biome-ignore lint/suspicious/noExplicitAny: the migrations table is read without the schema type
export async function appliedMigrations(db: Kysely<any>): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`select id from ${sql.id(MIGRATIONS_TABLE)}`.execute(db);
  // Sorted here, bytewise: PostgreSQL would sort by the database's locale.
  return rows.map((r) => r.id).sort(byteOrder);
}
