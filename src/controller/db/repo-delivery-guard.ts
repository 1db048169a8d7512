/**
 * The blast-radius guard's rows: per hub, the peers last delivered (`delivery_baselines`) and a
 * held revision waiting for an operator (`delivery_holds`). Both tables are kept across restores.
 */
import type { Selectable } from "kysely";
import { fromJson, toJson } from "./json.js";
import type { Tx } from "./open.js";
import type { DeliveryHoldsTable } from "./schema.js";

/** The peers (public key → node name) of the state last delivered to a hub. */
export interface Baseline {
  readonly node: string;
  readonly revision: string;
  readonly peers: Readonly<Record<string, string>>;
  readonly deliveredAt: string;
}

/** A hub's revision held for confirmation. */
export interface Hold {
  readonly node: string;
  /** The held (newer) desired-state revision. */
  readonly revision: string;
  /** The revision the hub keeps meanwhile (last delivered). */
  readonly baselineRevision: string;
  readonly peersBefore: number;
  readonly removed: number;
  /** Up to {@link REMOVED_SAMPLE} names of the peers it would remove. */
  readonly removedNames: readonly string[];
  readonly heldAt: string;
}

/** How many removed peer names a hold keeps (the count is always exact). */
export const REMOVED_SAMPLE = 50;

export async function getBaseline(tx: Tx, node: string): Promise<Baseline | undefined> {
  const row = await tx
    .selectFrom("delivery_baselines")
    .selectAll()
    .where("node", "=", node)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    node: row.node,
    revision: row.revision,
    peers: fromJson<Record<string, string>>(row.peers, `delivery_baselines/${node}`),
    deliveredAt: row.delivered_at,
  };
}

/**
 * Only the revision of hub `node`'s baseline (undefined: none): a revision names its peers, so a
 * caller that already holds that revision's peers need not read and parse them again.
 */
export async function getBaselineRevision(tx: Tx, node: string): Promise<string | undefined> {
  const row = await tx
    .selectFrom("delivery_baselines")
    .select("revision")
    .where("node", "=", node)
    .executeTakeFirst();
  return row?.revision;
}

export async function putBaseline(tx: Tx, b: Baseline): Promise<void> {
  const values = { revision: b.revision, peers: toJson(b.peers), delivered_at: b.deliveredAt };
  await tx
    .insertInto("delivery_baselines")
    .values({ node: b.node, ...values })
    .onConflict((oc) => oc.column("node").doUpdateSet(values))
    .execute();
}

/** A new revision with the same peers: only the revision and time move (no 10,000-peer rewrite). */
export async function touchBaseline(
  tx: Tx,
  node: string,
  revision: string,
  deliveredAt: string,
): Promise<void> {
  await tx
    .updateTable("delivery_baselines")
    .set({ revision, delivered_at: deliveredAt })
    .where("node", "=", node)
    .execute();
}

const holdOf = (row: Selectable<DeliveryHoldsTable>): Hold => ({
  node: row.node,
  revision: row.revision,
  baselineRevision: row.baseline_revision,
  peersBefore: Number(row.peers_before),
  removed: Number(row.removed),
  removedNames: fromJson<string[]>(row.removed_names, `delivery_holds/${row.node}`),
  heldAt: row.held_at,
});

export async function getHold(tx: Tx, node: string): Promise<Hold | undefined> {
  const row = await tx.selectFrom("delivery_holds").selectAll().where("node", "=", node).executeTakeFirst();
  return row ? holdOf(row) : undefined;
}

export async function listHolds(tx: Tx): Promise<Hold[]> {
  const rows = await tx.selectFrom("delivery_holds").selectAll().orderBy("node").execute();
  return rows.map(holdOf);
}

/**
 * Records `h` unless the node's hold already names that revision; true when it wrote (a new hold,
 * or a newer held revision), so across replicas each is audited once.
 */
export async function putHold(tx: Tx, h: Hold): Promise<boolean> {
  const values = {
    revision: h.revision,
    baseline_revision: h.baselineRevision,
    peers_before: h.peersBefore,
    removed: h.removed,
    removed_names: toJson(h.removedNames.slice(0, REMOVED_SAMPLE)),
    held_at: h.heldAt,
  };
  const written = await tx
    .insertInto("delivery_holds")
    .values({ node: h.node, ...values })
    .onConflict((oc) =>
      oc.column("node").doUpdateSet(values).where("delivery_holds.revision", "<>", h.revision),
    )
    .returning(["node"])
    .executeTakeFirst();
  return written !== undefined;
}

/** Deletes the node's hold; returns it when there was one. */
export async function deleteHold(tx: Tx, node: string): Promise<Hold | undefined> {
  const row = await tx
    .deleteFrom("delivery_holds")
    .where("node", "=", node)
    .returningAll()
    .executeTakeFirst();
  return row ? holdOf(row) : undefined;
}
