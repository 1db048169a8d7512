/** Resources ↔ database rows. The row's filter columns are derived from the resource. */
import { parseResource, type Resource } from "../../model/index.js";
import type { ResourceInput, ResourceRow } from "../db/repo-resources.js";

export function toRow(r: Resource): ResourceInput {
  const spec = r.spec as { network?: string; role?: string };
  const state = (r.status as { state?: unknown } | undefined)?.state;
  return {
    kind: r.kind,
    name: r.metadata.name,
    network: r.kind === "Network" ? r.metadata.name : (spec.network ?? null),
    role: spec.role ?? null,
    state: typeof state === "string" ? state : null,
    metadata: r.metadata as ResourceInput["metadata"],
    spec: r.spec as ResourceInput["spec"],
    status: (r.status as ResourceInput["status"]) ?? null,
  };
}

/** Parses a stored row; a row that no longer validates is a corrupted database, reported as such. */
export function fromRow(row: Pick<ResourceRow, "kind" | "name" | "metadata" | "spec" | "status">): Resource {
  const doc = {
    apiVersion: "hubwire/v1",
    kind: row.kind,
    metadata: row.metadata,
    spec: row.spec,
    ...(row.status ? { status: row.status } : {}),
  };
  const parsed = parseResource(doc, `database ${row.kind}/${row.name}`);
  if (!parsed.ok) throw new Error(`stored ${row.kind}/${row.name} is invalid: ${parsed.issues[0]?.message}`);
  return parsed.resource;
}
