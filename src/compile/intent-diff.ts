/**
 * Resource-level differences between two intents, field by field, for `plan`
 * and for the API's dry-run.
 */
import type { Resource } from "../model/index.js";
import { formatPath } from "../model/index.js";

export interface ResourceChange {
  readonly op: "add" | "remove" | "change";
  readonly kind: string;
  readonly name: string;
  /** For `change`: each changed field with old and new value as JSON. */
  readonly fields: ReadonlyArray<{ path: string; from: string; to: string }>;
}

function fieldDiff(
  a: unknown,
  b: unknown,
  path: PropertyKey[],
  out: Array<{ path: string; from: string; to: string }>,
) {
  if (JSON.stringify(a) === JSON.stringify(b)) return;
  const isObj = (v: unknown) => v !== null && typeof v === "object" && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    const keys = [...new Set([...Object.keys(a as object), ...Object.keys(b as object)])].sort();
    for (const k of keys)
      fieldDiff((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], [...path, k], out);
    return;
  }
  out.push({
    path: formatPath(path),
    from: a === undefined ? "(none)" : JSON.stringify(a),
    to: b === undefined ? "(none)" : JSON.stringify(b),
  });
}

/** What applying `next` over `prev` changes. `status` is controller-owned and ignored. */
export function diffResources(prev: readonly Resource[], next: readonly Resource[]): ResourceChange[] {
  const key = (r: Resource) => `${r.kind}/${r.metadata.name}`;
  const before = new Map(prev.map((r) => [key(r), r]));
  const after = new Map(next.map((r) => [key(r), r]));
  const out: ResourceChange[] = [];
  for (const k of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const a = before.get(k);
    const b = after.get(k);
    const [kind, name] = k.split("/") as [string, string];
    if (!a) out.push({ op: "add", kind, name, fields: [] });
    else if (!b) out.push({ op: "remove", kind, name, fields: [] });
    else {
      const fields: Array<{ path: string; from: string; to: string }> = [];
      fieldDiff({ metadata: a.metadata, spec: a.spec }, { metadata: b.metadata, spec: b.spec }, [], fields);
      if (fields.length) out.push({ op: "change", kind, name, fields });
    }
  }
  return out;
}
