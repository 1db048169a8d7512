/**
 * Node status reports: the latest per node (`node_status`, one row overwritten per report) and a
 * bounded traffic history (`node_traffic`). Reads join the Node resources so that nodes that never
 * reported are listed too, filtered and paginated in the query (fast with 10,000 nodes).
 */
import { sql } from "kysely";
import type { Tx } from "./open.js";
import type { NodeStatusTable } from "./schema.js";

/** A report as stored (`online`/`online_since` are managed here). */
export type StatusInput = Omit<NodeStatusTable, "online" | "online_since" | "came_online">;

/**
 * Stores `row` as `row.node`'s latest report, marking the node online. Returns true when this
 * report brought it online (its first report ever, or the first since it was marked offline): the
 * one writer that flips the flag learns it, so each transition is recorded once across replicas.
 */
export async function saveReport(tx: Tx, row: StatusInput): Promise<boolean> {
  const { node, ...fields } = row;
  for (let attempt = 0; attempt < 2; attempt++) {
    // SET expressions see the row before the update: `came_online` says whether this one flipped it.
    const updated = await tx
      .updateTable("node_status")
      .set({
        ...fields,
        online: 1,
        online_since: sql<string>`case when online = 1 then online_since else ${row.reported_at} end`,
        came_online: sql<number>`case when online = 1 then 0 else 1 end`,
      })
      .where("node", "=", node)
      .returning(["came_online"])
      .executeTakeFirst();
    if (updated) return Number(updated.came_online) === 1;
    const inserted = await tx
      .insertInto("node_status")
      .values({ ...row, online: 1, online_since: row.reported_at, came_online: 1 })
      .onConflict((oc) => oc.column("node").doNothing())
      .returning(["node"])
      .executeTakeFirst();
    if (inserted) return true;
    // Another replica inserted between our update and insert: update its row.
  }
  return false;
}

/** Marks nodes whose last report is older than `cutoff` offline; returns those it flipped. */
export async function markOffline(tx: Tx, cutoff: string): Promise<string[]> {
  const rows = await tx
    .updateTable("node_status")
    .set({ online: 0 })
    .where("online", "=", 1)
    .where("reported_at", "<", cutoff)
    .returning(["node"])
    .execute();
  return rows.map((r) => r.node).sort();
}

/** Adds a traffic sample (a second one at the same instant is ignored). */
export async function addTrafficSample(
  tx: Tx,
  sample: { node: string; at: string; rx_bytes: number; tx_bytes: number },
): Promise<void> {
  await tx
    .insertInto("node_traffic")
    .values(sample)
    .onConflict((oc) => oc.columns(["node", "at"]).doNothing())
    .execute();
}

/** Deletes traffic samples taken before `before`. */
export async function pruneTraffic(tx: Tx, before: string): Promise<void> {
  await tx.deleteFrom("node_traffic").where("at", "<", before).execute();
}

/** `node`'s samples, oldest first. */
export async function trafficHistory(
  tx: Tx,
  node: string,
): Promise<Array<{ at: string; rx_bytes: number; tx_bytes: number }>> {
  return tx
    .selectFrom("node_traffic")
    .select(["at", "rx_bytes", "tx_bytes"])
    .where("node", "=", node)
    .orderBy("at")
    .execute();
}

/** A Node resource with its latest report (report fields null when it never reported). */
export interface NodeStatusRow {
  node: string;
  network: string;
  role: string;
  reported_at: string | null;
  agent_version: string | null;
  applied_revision: string | null;
  apply_error: string | null;
  rx_bytes: number | null;
  tx_bytes: number | null;
  interfaces: string | null;
  links: string | null;
  active_hub: string | null;
  failovers: number | null;
}

/** Filters of {@link listNodeStatus}. */
export interface NodeStatusQuery {
  role?: string;
  network?: string;
  /** true: reported at or after `cutoff`; false: never or before it. */
  online?: boolean;
  cutoff: string;
  limit: number;
  /** Names ascending, after this one. */
  after?: string;
}

function joined(tx: Tx) {
  return tx
    .selectFrom("resources as r")
    .leftJoin("node_status as s", "s.node", "r.name")
    .select([
      "r.name as node",
      "r.network",
      "r.role",
      "s.reported_at",
      "s.agent_version",
      "s.applied_revision",
      "s.apply_error",
      "s.rx_bytes",
      "s.tx_bytes",
      "s.interfaces",
      "s.links",
      "s.active_hub",
      "s.failovers",
    ])
    .where("r.kind", "=", "Node");
}

/** One page of nodes with their status, by name; `next` set when more follow. */
export async function listNodeStatus(
  tx: Tx,
  q: NodeStatusQuery,
): Promise<{ items: NodeStatusRow[]; next?: string }> {
  let query = joined(tx);
  if (q.role !== undefined) query = query.where("r.role", "=", q.role);
  if (q.network !== undefined) query = query.where("r.network", "=", q.network);
  if (q.after !== undefined) query = query.where("r.name", ">", q.after);
  if (q.online === true) query = query.where("s.reported_at", ">=", q.cutoff);
  if (q.online === false)
    query = query.where((eb) => eb.or([eb("s.reported_at", "is", null), eb("s.reported_at", "<", q.cutoff)]));
  const rows = (await query
    .orderBy("r.name")
    .limit(q.limit + 1)
    .execute()) as NodeStatusRow[];
  const items = rows.slice(0, q.limit);
  return rows.length > q.limit ? { items, next: items[items.length - 1]!.node } : { items };
}

/** One node with its status; undefined when there is no such Node. */
export async function getNodeStatus(tx: Tx, node: string): Promise<NodeStatusRow | undefined> {
  return (await joined(tx).where("r.name", "=", node).executeTakeFirst()) as NodeStatusRow | undefined;
}

/** Nodes by role and whether they reported at or after `cutoff`, and traffic totals. */
export async function statusCounts(
  tx: Tx,
  cutoff: string,
): Promise<{ byRole: Array<{ role: string; online: number; total: number }>; rx: number; tx: number }> {
  const { rows } = await sql<{ role: string | null; online: number | string; total: number | string }>`
    select r.role as role, count(*) as total,
      sum(case when s.reported_at >= ${cutoff} then 1 else 0 end) as online
    from resources r left join node_status s on s.node = r.name
    where r.kind = 'Node' group by r.role`.execute(tx);
  const traffic = await sql<{ rx: number | string | null; tx: number | string | null }>`
    select sum(rx_bytes) as rx, sum(tx_bytes) as tx from node_status`.execute(tx);
  return {
    byRole: rows.map((r) => ({ role: r.role ?? "", online: Number(r.online ?? 0), total: Number(r.total) })),
    rx: Number(traffic.rows[0]?.rx ?? 0),
    tx: Number(traffic.rows[0]?.tx ?? 0),
  };
}

/** Every node's latest report, for metrics (a scrape reads them all once). */
export async function allReports(
  tx: Tx,
): Promise<
  Array<
    Pick<
      NodeStatusRow,
      | "node"
      | "network"
      | "role"
      | "reported_at"
      | "applied_revision"
      | "interfaces"
      | "links"
      | "active_hub"
      | "failovers"
    >
  >
> {
  return (await joined(tx).execute()).map((r) => ({
    node: r.node,
    network: r.network as string,
    role: r.role as string,
    reported_at: r.reported_at,
    applied_revision: r.applied_revision,
    interfaces: r.interfaces,
    links: r.links,
    active_hub: r.active_hub,
    failovers: r.failovers,
  }));
}

/** Where each spoke is attached (see `AttachmentsTable`). */
export async function allAttachments(tx: Tx): Promise<Map<string, string>> {
  const rows = await tx.selectFrom("attachments").select(["node", "hub"]).orderBy("node").execute();
  return new Map(rows.map((r) => [r.node, r.hub]));
}

/** Records that `hub` carries `node` since `since`. */
export async function putAttachment(
  tx: Tx,
  row: { node: string; hub: string; since: string },
): Promise<void> {
  await tx
    .insertInto("attachments")
    .values(row)
    .onConflict((oc) =>
      oc
        .column("node")
        .doUpdateSet((eb) => ({ hub: eb.ref("excluded.hub"), since: eb.ref("excluded.since") })),
    )
    .execute();
}
