/**
 * From untrusted documents (YAML, JSON, API bodies) to typed resources. Schema
 * errors are reported per field with the resource's kind and name, whatever
 * could be read of them.
 */
import type { z } from "zod";
import { formatPath, type Issue, type IssueCode, quoteText } from "./issues.js";
import { RESOURCE_KINDS, RESOURCE_SCHEMAS, type Resource, type ResourceKind } from "./resources.js";

export type ParseResult = { ok: true; resource: Resource } | { ok: false; issues: Issue[] };

function identity(doc: unknown): { kind: string; name: string } {
  const d = (doc ?? {}) as { kind?: unknown; metadata?: { name?: unknown } };
  const kind = typeof d.kind === "string" && d.kind.length <= 64 ? d.kind : "?";
  const rawName = d.metadata && typeof d.metadata.name === "string" ? d.metadata.name : "?";
  // The name goes into messages: never echo control characters from untrusted input.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
  const name = rawName.slice(0, 80).replace(/[\u0000-\u001f\u007f]/g, "?");
  return { kind: kind.replace(/[^A-Za-z0-9]/g, "?"), name };
}

/** Validates one document's shape against its kind's schema and fills in defaults. */
export function parseResource(doc: unknown, source?: string): ParseResult {
  const { kind, name } = identity(doc);
  const at = (code: IssueCode, path: string, message: string): Issue => ({
    code,
    kind,
    name,
    path,
    message,
    source,
  });
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
    return { ok: false, issues: [at("invalid-field", "", "a resource must be a mapping")] };
  }
  if (!RESOURCE_KINDS.includes(kind as ResourceKind)) {
    const known = RESOURCE_KINDS.join(", ");
    return {
      ok: false,
      issues: [at("unknown-kind", "kind", `unknown kind ${JSON.stringify(kind)}; known: ${known}`)],
    };
  }
  const schema: z.ZodType = RESOURCE_SCHEMAS[kind as ResourceKind];
  const result = schema.safeParse(doc);
  if (result.success) return { ok: true, resource: result.data as Resource };
  const issues: Issue[] = [];
  for (const zi of result.error.issues) {
    if (zi.code === "unrecognized_keys") {
      for (const key of zi.keys) {
        issues.push(at("unknown-field", formatPath([...zi.path, key]), `unknown field ${quoteText(key)}`));
      }
    } else if (valueAt(doc, zi.path) === undefined) {
      // zod 4 attaches `input` to an issue only with `reportInput`, so whether the
      // field is absent is read from the document itself.
      issues.push(at("missing-field", formatPath(zi.path), "is required"));
    } else {
      const reason =
        zi.code === "custom" ? (zi.params as { reason?: string } | undefined)?.reason : undefined;
      issues.push(
        at(reason === "non-canonical" ? "non-canonical" : "invalid-field", formatPath(zi.path), zi.message),
      );
    }
  }
  return { ok: false, issues };
}

/** The value at `path` in an untrusted document; `undefined` where the path leads nowhere. */
function valueAt(doc: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let cursor = doc;
  for (const key of path) {
    if (cursor === null || typeof cursor !== "object" || typeof key === "symbol") return undefined;
    if (!Object.hasOwn(cursor, key)) return undefined;
    cursor = (cursor as Record<string | number, unknown>)[key];
  }
  return cursor;
}
