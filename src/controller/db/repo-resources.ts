/**
 * Intent resources and their labels. Callers pass the filter columns (`network`, `role`,
 * `state`) next to the documents because only they know where each kind keeps them; the labels
 * table is derived here from `metadata.labels`, in the same transaction, so it never drifts.
 */
import type { Selectable } from "kysely";
import { byteOrder } from "../../model/order.js";
import { fromJson, fromJsonOrNull, type JsonObject, toJson } from "./json.js";
import type { Tx } from "./open.js";
import type { ResourcesTable } from "./schema.js";

/** `metadata` as stored. */
export interface ResourceMetadata {
  name: string;
  labels?: Record<string, string>;
  [key: string]: unknown;
}

/** One stored resource, JSON columns parsed. Timestamps are ISO-8601 UTC. */
export interface ResourceRow {
  kind: string;
  name: string;
  /** NULL when the kind has no network (or, for a Network, its own name — the caller decides). */
  network: string | null;
  role: string | null;
  state: string | null;
  metadata: ResourceMetadata;
  spec: JsonObject;
  /** null when the controller has recorded no status. */
  status: JsonObject | null;
  /** 1 on create, +1 on every replace. */
  generation: number;
  created_at: string;
  updated_at: string;
}

/**
 * What a caller writes; generation is the repository's. `updated_at` is the time of this write
 * (default now), and also `created_at` when the resource is new.
 */
export type ResourceInput = Omit<ResourceRow, "generation" | "created_at" | "updated_at"> & {
  updated_at?: string;
};

/** Filters of {@link listResources}. Absent filters match everything. */
export interface ListResourcesQuery {
  kind: string;
  network?: string;
  role?: string;
  state?: string;
  /** Every pair must be among the resource's labels. */
  labels?: Record<string, string>;
  /** Page size, ≥ 1. */
  limit: number;
  /** The `next` of the previous page: names are listed ascending, starting after this one. */
  after?: string;
}

/** A page; `next` is absent on the last page. */
export interface Page<T, C> {
  items: T[];
  next?: C;
}

/** Columns {@link countResources} can group by. */
export type ResourceGroupColumn = "kind" | "network" | "role" | "state";

function fromRow(row: Selectable<ResourcesTable>): ResourceRow {
  const where = `resources ${row.kind}/${row.name}`;
  return {
    ...row,
    metadata: fromJson<ResourceMetadata>(row.metadata, where),
    spec: fromJson<JsonObject>(row.spec, where),
    status: fromJsonOrNull<JsonObject>(row.status, where),
  };
}

/** One resource, or undefined when it does not exist. */
export async function getResource(tx: Tx, kind: string, name: string): Promise<ResourceRow | undefined> {
  const row = await tx
    .selectFrom("resources")
    .selectAll()
    .where("kind", "=", kind)
    .where("name", "=", name)
    .executeTakeFirst();
  return row && fromRow(row);
}

/** One page of one kind, names ascending; cursor pagination stays correct while rows change. */
export async function listResources(tx: Tx, query: ListResourcesQuery): Promise<Page<ResourceRow, string>> {
  if (!Number.isInteger(query.limit) || query.limit < 1)
    throw new RangeError(`limit must be ≥ 1, not ${query.limit}`);
  let q = tx.selectFrom("resources").selectAll().where("kind", "=", query.kind);
  if (query.network !== undefined) q = q.where("network", "=", query.network);
  if (query.role !== undefined) q = q.where("role", "=", query.role);
  if (query.state !== undefined) q = q.where("state", "=", query.state);
  if (query.after !== undefined) q = q.where("name", ">", query.after);
  for (const [key, value] of Object.entries(query.labels ?? {})) {
    q = q.where(({ exists, selectFrom }) =>
      exists(
        selectFrom("resource_labels as l")
          .select("l.key")
          .whereRef("l.kind", "=", "resources.kind")
          .whereRef("l.name", "=", "resources.name")
          .where("l.key", "=", key)
          .where("l.value", "=", value),
      ),
    );
  }
  const rows = await q
    .orderBy("name")
    .limit(query.limit + 1)
    .execute();
  const items = rows.slice(0, query.limit).map(fromRow);
  return rows.length > query.limit ? { items, next: items[items.length - 1]!.name } : { items };
}

/** Every resource, by kind then name: what the compiler needs to rebuild its snapshot. */
export async function allResources(tx: Tx): Promise<ResourceRow[]> {
  const rows = await tx.selectFrom("resources").selectAll().orderBy("kind").orderBy("name").execute();
  return rows.map(fromRow);
}

/**
 * Creates or replaces a resource and its labels. A replace keeps `created_at` and bumps
 * `generation`; the upsert is one statement, so two writers cannot both "create". Returns the row
 * as stored.
 */
export async function putResource(tx: Tx, input: ResourceInput): Promise<ResourceRow> {
  const row = await upsert(tx, [input]).returningAll().executeTakeFirstOrThrow();
  await replaceLabels(tx, [input]);
  return fromRow(row);
}

/** Rows per statement in {@link putResources}: well inside both engines' bound-parameter limits. */
const ROWS_PER_STATEMENT = 500;

/**
 * {@link putResource} for many resources (distinct kind and name) in a few statements: a bulk
 * apply of 1,000 spokes is then a handful of round trips, not 3,000.
 */
export async function putResources(tx: Tx, given: readonly ResourceInput[]): Promise<void> {
  // One row per key (the last given wins, as one upsert after another would leave it): a
  // statement may not upsert a row twice.
  const inputs = [...new Map(given.map((r) => [`${r.kind}/${r.name}`, r])).values()];
  for (let i = 0; i < inputs.length; i += ROWS_PER_STATEMENT) {
    const chunk = inputs.slice(i, i + ROWS_PER_STATEMENT);
    await upsert(tx, chunk).execute();
    await replaceLabels(tx, chunk);
  }
}

function upsert(tx: Tx, inputs: readonly ResourceInput[]) {
  const values = inputs.map((input) => {
    if (input.metadata.name !== input.name) {
      throw new Error(`${input.kind}/${input.name}: metadata.name is ${JSON.stringify(input.metadata.name)}`);
    }
    const now = input.updated_at ?? new Date().toISOString();
    return {
      kind: input.kind,
      name: input.name,
      network: input.network,
      role: input.role,
      state: input.state,
      metadata: toJson(input.metadata),
      spec: toJson(input.spec),
      status: input.status === null ? null : toJson(input.status),
      generation: 1,
      created_at: now,
      updated_at: now,
    };
  });
  return tx
    .insertInto("resources")
    .values(values)
    .onConflict((oc) =>
      oc.columns(["kind", "name"]).doUpdateSet((eb) => ({
        network: eb.ref("excluded.network"),
        role: eb.ref("excluded.role"),
        state: eb.ref("excluded.state"),
        metadata: eb.ref("excluded.metadata"),
        spec: eb.ref("excluded.spec"),
        status: eb.ref("excluded.status"),
        generation: eb("resources.generation", "+", 1),
        updated_at: eb.ref("excluded.updated_at"),
      })),
    );
}

/** The labels table rows of `inputs`, from their `metadata.labels`. */
async function replaceLabels(tx: Tx, inputs: readonly ResourceInput[]): Promise<void> {
  const byKind = new Map<string, string[]>();
  for (const input of inputs) {
    const names = byKind.get(input.kind);
    if (names) names.push(input.name);
    else byKind.set(input.kind, [input.name]);
  }
  for (const [kind, names] of byKind)
    await tx.deleteFrom("resource_labels").where("kind", "=", kind).where("name", "in", names).execute();
  const labels = inputs.flatMap((input) =>
    Object.entries(input.metadata.labels ?? {}).map(([key, value]) => ({
      kind: input.kind,
      name: input.name,
      key,
      value,
    })),
  );
  for (let i = 0; i < labels.length; i += ROWS_PER_STATEMENT)
    await tx
      .insertInto("resource_labels")
      .values(labels.slice(i, i + ROWS_PER_STATEMENT))
      .execute();
}

/** Deletes a resource (its labels go with it); false when there was none. */
export async function deleteResource(tx: Tx, kind: string, name: string): Promise<boolean> {
  const result = await tx
    .deleteFrom("resources")
    .where("kind", "=", kind)
    .where("name", "=", name)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/**
 * Counts for metrics, grouped by `by` (e.g. Node by network, role and state). Groups are sorted
 * by their values, NULL first, the same on both engines. An empty `by` gives one total row.
 */
export async function countResources<C extends ResourceGroupColumn>(
  tx: Tx,
  by: readonly C[],
  where: { kind?: string } = {},
): Promise<Array<{ [K in C]: string | null } & { count: number }>> {
  let q = tx.selectFrom("resources").select((eb) => eb.fn.countAll<number>().as("count"));
  if (where.kind !== undefined) q = q.where("kind", "=", where.kind);
  const rows = (
    by.length > 0
      ? await q
          .select([...by])
          .groupBy([...by])
          .execute()
      : await q.execute()
  ) as Array<{ [K in C]: string | null } & { count: number }>;
  const compare = (a: string | null, b: string | null) =>
    a === b ? 0 : a === null ? -1 : b === null ? 1 : byteOrder(a, b);
  return rows
    .map((r) => ({ ...r, count: Number(r.count) }))
    .sort((a, b) => {
      for (const column of by) {
        const c = compare(a[column], b[column]);
        if (c !== 0) return c;
      }
      return 0;
    });
}
