/**
 * YAML or JSON text (one or many `---`-separated documents) → resources. Pure:
 * the CLI reads files, the API reads bodies, both come through here. Documents
 * are read one at a time (`yamlDocuments`), so that a server can pause between
 * them and refuse a stream holding more than it accepts before reading it all.
 * Every issue names where it is: `SOURCE#DOC` (the document's number when the
 * text has several) and, when asked, the line of the field (`line 12`, or
 * `line 12, column 5` for a YAML syntax error); `locate` places issues found
 * later (dangling references, overlaps) the same way.
 */
import { Composer, type Document, LineCounter, Parser } from "yaml";
import type { Issue } from "./issues.js";
import { MAX_RESOURCES_PER_REQUEST, tooManyResources } from "./limits.js";
import { parseResource } from "./parse.js";
import type { Resource } from "./resources.js";

export interface ParsedDocuments {
  readonly resources: Resource[];
  readonly issues: Issue[];
  /** Where `Kind/name` is in the text, and the line of a field path in it; undefined: not here. */
  locate(kind: string, name: string, path: string): string | undefined;
}

/** Aliases one document may expand (a "billion laughs" document expands far more). */
export const MAX_YAML_ALIASES = 50;

/** One document of a stream: its value, or why it has none. */
export interface YamlDocument {
  /** 1-based line the document's content starts on. */
  readonly line: number;
  /** Absent when `errors` is not empty or the document is empty. */
  readonly value?: unknown;
  /** `YAML line N, column C: message`, one per problem. */
  readonly errors: readonly string[];
  /** The line of the deepest node of a field path that exists in the document. */
  lineOf(path: string): number | undefined;
}

function firstLine(message: string): string {
  return message.split("\n")[0]!;
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

function documentValue(doc: Document.Parsed, lines: LineCounter): YamlDocument {
  const line = lines.linePos(doc.contents?.range[0] ?? doc.range[0]).line;
  const lineOf = (path: string) => {
    const keys = pathKeys(path);
    for (let n = keys.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(keys.slice(0, n), true);
      const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
      if (range) return lines.linePos(range[0]).line;
    }
    return undefined;
  };
  if (doc.errors.length > 0) {
    return {
      line,
      lineOf,
      errors: doc.errors.map((e) => {
        const pos = lines.linePos(e.pos[0]);
        return `YAML line ${pos.line}, column ${pos.col}: ${firstLine(e.message)}`;
      }),
    };
  }
  try {
    const value = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
    return value === null || value === undefined
      ? { line, lineOf, errors: [] }
      : { line, lineOf, value, errors: [] };
  } catch (error) {
    // An alias bomb (more than MAX_YAML_ALIASES expansions) or an alias to nothing.
    const why = /alias count/i.test((error as Error).message)
      ? `too many aliases (at most ${MAX_YAML_ALIASES} per document)`
      : firstLine((error as Error).message);
    return { line, lineOf, errors: [`YAML line ${line}: ${why}`] };
  }
}

/** The documents of `text`, one at a time, in order. */
export function* yamlDocuments(text: string): Generator<YamlDocument, void, undefined> {
  const lines = new LineCounter();
  const parser = new Parser(lines.addNewLine);
  const composer = new Composer({ uniqueKeys: true, strict: true, prettyErrors: false });
  try {
    for (const token of parser.parse(text))
      for (const doc of composer.next(token)) yield documentValue(doc, lines);
    for (const doc of composer.end()) yield documentValue(doc, lines);
  } catch (error) {
    // The composer recurses per nesting level: a document nested thousands deep ends here.
    if (!(error instanceof RangeError)) throw error;
    yield { line: 1, lineOf: () => undefined, errors: ["YAML: nested too deeply"] };
  }
}

export interface ParseOptions {
  /** Add the line of the field to each issue's source (`file#2 line 14`); the CLI does. */
  readonly lines?: boolean;
}

/**
 * Collects a stream's resources and issues document by document, refusing a stream of more than
 * MAX_RESOURCES_PER_REQUEST documents (the API reads bodies through it, pausing between documents).
 */
export class DocumentCollector {
  private readonly resources: Resource[] = [];
  private readonly issues: Issue[] = [];
  /** Per resource, how to name where a field path of it is. */
  private readonly places = new Map<string, (path: string) => string>();
  private count = 0;
  private over = false;

  constructor(
    private readonly source: string,
    private readonly options: ParseOptions = {},
  ) {}

  /** Takes the next document; false once the stream holds more than a request may. */
  add(doc: YamlDocument): boolean {
    this.count++;
    if (this.over) return false;
    if (this.count > MAX_RESOURCES_PER_REQUEST) {
      this.over = true;
      this.issues.push(this.issue(tooManyResources()));
      return false;
    }
    const where = `${this.source}#${this.count}`;
    const at = (path: string) => {
      const line = this.options.lines ? doc.lineOf(path) : undefined;
      return line === undefined ? where : `${where} line ${line}`;
    };
    for (const message of doc.errors) this.issues.push({ ...this.issue(message), source: where });
    if (doc.value === undefined) return true; // empty document, e.g. a trailing ---
    const result = parseResource(doc.value, where);
    if (result.ok) {
      this.resources.push(result.resource);
      this.places.set(`${result.resource.kind}/${result.resource.metadata.name}`, at);
    } else this.issues.push(...result.issues.map((i) => ({ ...i, source: at(i.path) })));
    return true;
  }

  private issue(message: string): Issue {
    return { code: "invalid-field", kind: "?", name: "?", path: "", message, source: this.source };
  }

  /** Whether the stream held more documents than a request may carry. */
  get tooMany(): boolean {
    return this.over;
  }

  result(): ParsedDocuments {
    // A single document is named by its source alone (`file`, not `file#1`).
    const single = `${this.source}#1`;
    const rename = (s: string) =>
      this.count === 1 && s.startsWith(single) ? this.source + s.slice(single.length) : s;
    const places = this.places;
    return {
      resources: this.resources,
      issues: this.issues.map((i) => (i.source ? { ...i, source: rename(i.source) } : i)),
      locate: (kind, name, path) => {
        const at = places.get(`${kind}/${name}`)?.(path);
        return at === undefined ? undefined : rename(at);
      },
    };
  }
}

export function parseDocuments(text: string, source: string, options: ParseOptions = {}): ParsedDocuments {
  const collector = new DocumentCollector(source, options);
  for (const doc of yamlDocuments(text)) collector.add(doc);
  return collector.result();
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

/**
 * The whole-intent issues (`later`) worth reporting beside the schema issues of the same input
 * (`failed`): a reference to a resource that failed its own schema check is not dangling — fixing
 * that resource's error fixes it — so it is left out.
 */
export function withoutFollowOns(failed: readonly Issue[], later: readonly Issue[]): Issue[] {
  const names = failed.map((i) => i.name).filter((n) => n !== "?" && n !== "");
  if (names.length === 0) return [...later];
  const mentions = (i: Issue) =>
    i.code === "dangling-reference" &&
    names.some((n) => new RegExp(`(^|[^a-z0-9-])${escapeRegExp(n)}([^a-z0-9-]|$)`).test(i.message));
  return later.filter((i) => !mentions(i));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
