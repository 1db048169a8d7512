/**
 * YAML or JSON text (one or many `---`-separated documents) → resources. Pure:
 * the CLI reads files, the API reads bodies, both come through here.
 */
import { parseAllDocuments } from "yaml";
import type { Issue } from "./issues.js";
import { parseResource } from "./parse.js";
import type { Resource } from "./resources.js";

export interface ParsedDocuments {
  readonly resources: Resource[];
  readonly issues: Issue[];
}

export function parseDocuments(text: string, source: string): ParsedDocuments {
  const resources: Resource[] = [];
  const issues: Issue[] = [];
  const docs = parseAllDocuments(text, { uniqueKeys: true, prettyErrors: false, strict: true });
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((doc, index) => {
    const where = list.length > 1 ? `${source}#${index + 1}` : source;
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        const line = e.linePos?.[0] ? ` line ${e.linePos[0].line}` : "";
        issues.push({
          code: "invalid-field",
          kind: "?",
          name: "?",
          path: "",
          message: `YAML${line}: ${e.message.split("\n")[0]}`,
          source: where,
        });
      }
      return;
    }
    const value = doc.toJS({ maxAliasCount: 50 });
    if (value === null || value === undefined) return; // empty document, e.g. a trailing ---
    const result = parseResource(value, where);
    if (result.ok) resources.push(result.resource);
    else issues.push(...result.issues);
  });
  return { resources, issues };
}
