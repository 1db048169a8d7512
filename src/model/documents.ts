/**
 * YAML or JSON text (one or many `---`-separated documents) → resources. Pure:
 * the CLI reads files, the API reads bodies, both come through here. Documents
 * are read one at a time (`yamlDocuments`), so that a server can pause between
 * them and refuse a stream holding more than it accepts before reading it all.
 */
import { Composer, type Document, LineCounter, Parser } from "yaml";
import type { Issue } from "./issues.js";
import { MAX_RESOURCES_PER_REQUEST, tooManyResources } from "./limits.js";
import { parseResource } from "./parse.js";
import type { Resource } from "./resources.js";

export interface ParsedDocuments {
  readonly resources: Resource[];
  readonly issues: Issue[];
}

/** Aliases one document may expand (a "billion laughs" document expands far more). */
export const MAX_YAML_ALIASES = 50;

/** One document of a stream: its value, or why it has none. */
export interface YamlDocument {
  /** 1-based line the document's content starts on. */
  readonly line: number;
  /** Absent when `errors` is not empty or the document is empty. */
  readonly value?: unknown;
  /** `YAML line N: message`, one per problem. */
  readonly errors: readonly string[];
}

function firstLine(message: string): string {
  return message.split("\n")[0]!;
}

function documentValue(doc: Document.Parsed, lines: LineCounter): YamlDocument {
  const line = lines.linePos(doc.contents?.range[0] ?? doc.range[0]).line;
  if (doc.errors.length > 0) {
    return {
      line,
      errors: doc.errors.map((e) => `YAML line ${lines.linePos(e.pos[0]).line}: ${firstLine(e.message)}`),
    };
  }
  try {
    const value = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
    return value === null || value === undefined ? { line, errors: [] } : { line, value, errors: [] };
  } catch (error) {
    // An alias bomb (more than MAX_YAML_ALIASES expansions) or an alias to nothing.
    const why = /alias count/i.test((error as Error).message)
      ? `too many aliases (at most ${MAX_YAML_ALIASES} per document)`
      : firstLine((error as Error).message);
    return { line, errors: [`YAML line ${line}: ${why}`] };
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
    yield { line: 1, errors: ["YAML: nested too deeply"] };
  }
}

/**
 * Collects parsed documents into resources and issues. Each issue's source is
 * `SOURCE#N` (the N-th document), or `SOURCE` alone when the stream holds one.
 */
export class DocumentCollector {
  private readonly resources: Resource[] = [];
  private readonly issues: Issue[] = [];
  private count = 0;
  private over = false;

  constructor(private readonly source: string) {}

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
    for (const message of doc.errors) this.issues.push({ ...this.issue(message), source: where });
    if (doc.value === undefined) return true; // empty document, e.g. a trailing ---
    const result = parseResource(doc.value, where);
    if (result.ok) this.resources.push(result.resource);
    else this.issues.push(...result.issues);
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
    if (this.count !== 1) return { resources: this.resources, issues: this.issues };
    const single = `${this.source}#1`;
    const issues = this.issues.map((i) => (i.source === single ? { ...i, source: this.source } : i));
    return { resources: this.resources, issues };
  }
}

export function parseDocuments(text: string, source: string): ParsedDocuments {
  const collector = new DocumentCollector(source);
  for (const doc of yamlDocuments(text)) collector.add(doc);
  return collector.result();
}
