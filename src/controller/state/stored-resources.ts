/** Reads of the stored intent, row by row, for routes that need more than the current snapshot. */
import type { Resource } from "../../model/index.js";
import type { Db } from "../db/open.js";
import {
  allResources,
  getResource,
  type ListResourcesQuery,
  listResources,
  type Page,
} from "../db/repo-resources.js";
import { fromRow } from "./rows.js";

/** One stored resource, undefined when there is none. */
export async function storedResource(db: Db, kind: string, name: string): Promise<Resource | undefined> {
  const row = await getResource(db.kysely, kind, name);
  return row ? fromRow(row) : undefined;
}

/** One page of stored resources in name order. */
export async function storedResourcePage(db: Db, query: ListResourcesQuery): Promise<Page<Resource, string>> {
  const page = await listResources(db.kysely, query);
  return { items: page.items.map(fromRow), ...(page.next !== undefined ? { next: page.next } : {}) };
}

/** Every stored resource, read in one transaction. */
export async function allStoredResources(db: Db): Promise<Resource[]> {
  return (await db.transaction((tx) => allResources(tx))).map(fromRow);
}
