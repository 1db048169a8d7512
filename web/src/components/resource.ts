/** Building resource documents from forms, and small helpers shared by the resource pages. */
export const API_VERSION = "hubwire/v1";

/** Empty strings and empty lists become absent fields, so the API's defaults apply. */
export function compact<T extends Record<string, unknown>>(o: T): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined || v === null || v === "") continue;
    if (Array.isArray(v) && v.length === 0) continue;
    out[k] = v;
  }
  return out as Partial<T>;
}

/**
 * A resource document as the API takes it: `hubwire/v1`, the kind, and the form's metadata and
 * spec with empty values left out (see {@link compact}).
 */
export function resourceDoc<M extends Record<string, unknown>, S extends Record<string, unknown>>(
  kind: string,
  metadata: M,
  spec: S,
): { apiVersion: typeof API_VERSION; kind: string; metadata: Partial<M>; spec: Partial<S> } {
  return { apiVersion: API_VERSION, kind, metadata: compact(metadata), spec: compact(spec) };
}

/** `tier=branch` strings ↔ a labels map. */
export function labelsFromTags(tags: readonly string[] | undefined): Record<string, string> | undefined {
  if (!tags || tags.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const tag of tags) {
    const eq = tag.indexOf("=");
    if (eq > 0) out[tag.slice(0, eq).trim()] = tag.slice(eq + 1).trim();
    else out[tag.trim()] = "";
  }
  return out;
}

export function tagsFromLabels(labels: Record<string, string> | undefined): string[] {
  return Object.entries(labels ?? {}).map(([k, v]) => `${k}=${v}`);
}
