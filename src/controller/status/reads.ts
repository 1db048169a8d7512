/** Node status as the API reads it: pages of nodes with their latest report, one node, counts, traffic. */
import type { Db } from "../db/open.js";
import * as repo from "../db/repo-node-status.js";

export type { NodeStatusQuery, NodeStatusRow } from "../db/repo-node-status.js";

export const nodeStatusPage = (db: Db, query: repo.NodeStatusQuery) => repo.listNodeStatus(db.kysely, query);

export const nodeStatus = (db: Db, node: string) => repo.getNodeStatus(db.kysely, node);

/** A node's traffic samples, oldest first. */
export const nodeTraffic = (db: Db, node: string) => repo.trafficHistory(db.kysely, node);

/** Nodes online and in all, by role, and the traffic totals; reports older than `cutoff` count as offline. */
export const nodeStatusCounts = (db: Db, cutoff: string) => repo.statusCounts(db.kysely, cutoff);
