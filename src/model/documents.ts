/**
 * YAML or JSON text (one or many `---`-separated documents) → resources. Pure:
 * the CLI reads files, the API reads bodies, both come through here. Every
 * issue names where it is: `SOURCE#DOC` (the document's number when the text
 * has several) and the line of the field (`line 12`, or `line 12, column 5`
 * for a YAML syntax error); `locate` places issues found later (dangling
 * references, overlaps) the same way.
 */
import { type Document, LineCounter, parseAllDocuments } from "yaml";
import type { Issue } from "./issues.js";
import { parseResource } from "./parse.js";
import type { Resource } from "./resources.js";

export interface ParsedDocuments {
  readonly resources: Resource[];
  readonly issues: Issue[];
  /** Where `Kind/name` is in the text, and the line of a field path in it; undefined: not here. */
  locate(kind: string, name: string, path: string): string | undefined;
}

/** `spec.subnets[1]` → ["spec", "subnets", 1]; quoted keys (`spec."a.b"`) stay whole. */
function pathKeys(path: string): Array<string | number> {
  const keys: Array<string | number> = [];
  const re = /"((?:[^"\\]|\\.)*)"|\[(\d+)\]|([^.[\]"]+)/g;
  for (const m of path.matchAll(re)) {
    if (m[1] !== undefined) keys.push(JSON.parse(`"${m[1]}"`) as string);
    else if (m[2] !== undefined) keys.push(Number(m[2]));
    else if (m[3] !== undefined) keys.push(m[3]);
  }
  return keys;
}

/** The line of the deepest node of `path` that exists in `doc` (the document's first line at worst). */
function lineOf(doc: Document.Parsed, lines: LineCounter, path: string): number | undefined {
  const keys = pathKeys(path);
  for (let n = keys.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(keys.slice(0, n), true);
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (range) return lines.linePos(range[0]).line;
  }
  return undefined;
}

export interface ParseOptions {
  /** Add the line of the field to each issue's source (`file#2 line 14`); the CLI does. */
  readonly lines?: boolean;
}

export function parseDocuments(text: string, source: string, options: ParseOptions = {}): ParsedDocuments {
  const resources: Resource[] = [];
  const issues: Issue[] = [];
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, {
    uniqueKeys: true,
    prettyErrors: false,
    strict: true,
    lineCounter: lines,
  });
  const list = Array.isArray(docs) ? docs : [docs];
  const places = new Map<string, (path: string) => string>();
  list.forEach((doc, index) => {
    const where = list.length > 1 ? `${source}#${index + 1}` : source;
    const at = (path: string) => {
      const line = options.lines ? lineOf(doc, lines, path) : undefined;
      return line === undefined ? where : `${where} line ${line}`;
    };
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        const pos = e.linePos?.[0] ?? (e.pos ? lines.linePos(e.pos[0]) : undefined);
        issues.push({
          code: "invalid-field",
          kind: "?",
          name: "?",
          path: "",
          message: `YAML${pos ? ` line ${pos.line}, column ${pos.col}` : ""}: ${e.message.split("\n")[0]}`,
          source: where,
        });
      }
      return;
    }
    const value = doc.toJS({ maxAliasCount: 50 });
    if (value === null || value === undefined) return; // empty document, e.g. a trailing ---
    const result = parseResource(value, where);
    if (result.ok) {
      resources.push(result.resource);
      places.set(`${result.resource.kind}/${result.resource.metadata.name}`, at);
    } else issues.push(...result.issues.map((i) => ({ ...i, source: at(i.path) })));
  });
  return {
    resources,
    issues,
    locate: (kind, name, path) => places.get(`${kind}/${name}`)?.(path),
  };
}

/** `issues` with a source where one of `parsed` holds their resource (first match wins). */
export function locateIssues(issues: readonly Issue[], parsed: readonly ParsedDocuments[]): Issue[] {
  return issues.map((i) => {
    if (i.source) return i;
    for (const p of parsed) {
      const where = p.locate(i.kind, i.name, i.path);
      if (where) return { ...i, source: where };
    }
    return i;
  });
}
