/**
 * Node lists as CSV (SPEC §8 import/export): one node per row under a header
 * naming the columns. Pure: text in, Node documents and per-line issues out;
 * each document is then checked by the same schema as every other resource,
 * so a CSV row gets exactly the errors the YAML form of it would, plus the line.
 *
 * Cells holding lists (`subnets`, `hubs`) separate items with spaces or `;`;
 * `labels` is `key=value` pairs separated the same way. Annotations have no
 * column: importing a CSV row replaces the node, so keep annotated nodes in YAML.
 */
import type { Issue } from "./issues.js";
import { parseResource } from "./parse.js";
import { API_VERSION, type Node } from "./resources.js";

/** Columns, in the order an export writes them. `name`, `network` and `role` are required. */
export const NODE_CSV_COLUMNS = [
  "name",
  "network",
  "role",
  "endpoint",
  "listenPort",
  "tunnelAddress",
  "tunnelAddress6",
  "subnets",
  "hubs",
  "labels",
  "publicKey",
  "persistentKeepalive",
  "description",
] as const;
export type NodeCsvColumn = (typeof NODE_CSV_COLUMNS)[number];
const REQUIRED: readonly NodeCsvColumn[] = ["name", "network", "role"];

/** One record and the (1-based) line it starts on. */
export interface CsvRecord {
  readonly line: number;
  readonly cells: string[];
}

/**
 * RFC 4180 records: quoted cells may hold commas, quotes (doubled) and line
 * breaks; CRLF or LF line ends; blank lines are skipped. An unterminated quote
 * is an error naming the line it opened on.
 */
export function parseCsv(text: string): { records: CsvRecord[]; error?: { line: number; message: string } } {
  const records: CsvRecord[] = [];
  let cells: string[] = [];
  let cell = "";
  let line = 1;
  let start = 1;
  let quoted = false;
  let quoteLine = 0;
  let touched = false;
  const endRecord = () => {
    cells.push(cell);
    if (touched || cells.length > 1 || cell !== "") records.push({ line: start, cells });
    cells = [];
    cell = "";
    touched = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        if (c === "\n") line++;
        cell += c;
      }
      continue;
    }
    if (c === '"' && cell === "") {
      quoted = true;
      touched = true;
      quoteLine = line;
    } else if (c === ",") {
      cells.push(cell);
      cell = "";
      touched = true;
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      endRecord();
      line++;
      start = line;
    } else cell += c;
  }
  if (quoted) return { records, error: { line: quoteLine, message: "a quoted cell is never closed" } };
  if (cell !== "" || cells.length > 0 || touched) endRecord();
  return { records };
}

const listOf = (cell: string) => cell.split(/[\s;]+/).filter((s) => s !== "");

function issueAt(line: number, name: string, path: string, message: string): Issue {
  return { code: "invalid-field", kind: "Node", name, path, message, source: `line ${line}` };
}

/** A row as a Node document (not yet validated), or the issues of the row's own syntax. */
function rowDocument(
  header: readonly NodeCsvColumn[],
  rec: CsvRecord,
): { doc: Record<string, unknown> } | { issues: Issue[] } {
  const get = (col: NodeCsvColumn) => {
    const i = header.indexOf(col);
    return i < 0 ? "" : unescapeFormula((rec.cells[i] ?? "").trim());
  };
  const name = get("name") || "?";
  if (rec.cells.length !== header.length) {
    return {
      issues: [
        issueAt(rec.line, name, "", `has ${rec.cells.length} cells, the header has ${header.length} columns`),
      ],
    };
  }
  const spec: Record<string, unknown> = {};
  const issues: Issue[] = [];
  for (const col of [
    "network",
    "role",
    "endpoint",
    "tunnelAddress",
    "tunnelAddress6",
    "publicKey",
    "description",
  ] as const) {
    const v = get(col);
    if (v !== "") spec[col] = v;
  }
  for (const col of ["listenPort", "persistentKeepalive"] as const) {
    const v = get(col);
    if (v === "") continue;
    if (!/^[0-9]{1,5}$/.test(v)) issues.push(issueAt(rec.line, name, `spec.${col}`, "is not a number"));
    else spec[col] = Number(v);
  }
  for (const col of ["subnets", "hubs"] as const) {
    const v = listOf(get(col));
    if (v.length > 0) spec[col] = v;
  }
  const labels: Record<string, string> = {};
  for (const pair of listOf(get("labels"))) {
    const eq = pair.indexOf("=");
    if (eq <= 0)
      issues.push(issueAt(rec.line, name, "metadata.labels", `${JSON.stringify(pair)} is not key=value`));
    else labels[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  if (issues.length > 0) return { issues };
  const metadata = { name: get("name"), ...(Object.keys(labels).length > 0 ? { labels } : {}) };
  return { doc: { apiVersion: API_VERSION, kind: "Node", metadata, spec } };
}

/** The result of reading a CSV node list: nodes that passed, and every issue with its `line N` source. */
export interface NodeCsvResult {
  readonly nodes: Node[];
  /** The line each of `nodes` is on (same order). */
  readonly lines: number[];
  readonly issues: Issue[];
}

/** CSV text → validated Node resources; every issue's `source` is `line N`. */
export function parseNodeCsv(text: string): NodeCsvResult {
  const { records, error } = parseCsv(text.replace(/^\uFEFF/, ""));
  const issues: Issue[] = [];
  const nodes: Node[] = [];
  const lines: number[] = [];
  if (error) return { nodes, lines, issues: [issueAt(error.line, "?", "", error.message)] };
  const [head, ...rows] = records;
  if (!head) {
    return {
      nodes,
      lines,
      issues: [issueAt(1, "?", "", "the file is empty; the first line names the columns")],
    };
  }
  const header: NodeCsvColumn[] = [];
  for (const raw of head.cells) {
    const col = raw.trim() as NodeCsvColumn;
    if (!NODE_CSV_COLUMNS.includes(col)) {
      issues.push(
        issueAt(
          head.line,
          "?",
          "",
          `unknown column ${JSON.stringify(raw)}; columns: ${NODE_CSV_COLUMNS.join(", ")}`,
        ),
      );
    } else if (header.includes(col)) issues.push(issueAt(head.line, "?", "", `column ${col} appears twice`));
    header.push(col);
  }
  for (const col of REQUIRED) {
    if (!header.includes(col)) issues.push(issueAt(head.line, "?", "", `the header lacks the column ${col}`));
  }
  if (issues.length > 0) return { nodes, lines, issues };
  for (const rec of rows) {
    const row = rowDocument(header, rec);
    if ("issues" in row) {
      issues.push(...row.issues);
      continue;
    }
    const parsed = parseResource(row.doc, `line ${rec.line}`);
    if (parsed.ok) {
      nodes.push(parsed.resource as Node);
      lines.push(rec.line);
    } else issues.push(...parsed.issues);
  }
  return { nodes, lines, issues };
}

/**
 * Spreadsheets run a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return as a
 * formula (CSV injection). Export prefixes such a cell with `'`, which spreadsheet tools show as
 * text and hide, and import drops that one `'` again. A value that itself starts with `'`s before
 * such a character gains one more, so every value re-imports as it was.
 */
const FORMULA = /^'*[=+\-@\t\r]/;

export function escapeFormula(value: string): string {
  return FORMULA.test(value) ? `'${value}` : value;
}

export function unescapeFormula(value: string): string {
  return value.startsWith("'") && FORMULA.test(value) ? value.slice(1) : value;
}

function quoteCell(raw: string): string {
  const value = escapeFormula(raw);
  return /[",\r\n]/.test(value) || /^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Nodes → CSV text with the header of {@link NODE_CSV_COLUMNS}; re-imports to the same nodes. */
export function formatNodeCsv(nodes: readonly Node[]): string {
  const rows = [NODE_CSV_COLUMNS.join(",")];
  for (const n of nodes) {
    const s = n.spec;
    const cells: Record<NodeCsvColumn, string> = {
      name: n.metadata.name,
      network: s.network,
      role: s.role,
      endpoint: s.endpoint ?? "",
      listenPort: s.listenPort === undefined ? "" : String(s.listenPort),
      tunnelAddress: s.tunnelAddress ?? "",
      tunnelAddress6: s.tunnelAddress6 ?? "",
      subnets: s.subnets.join(" "),
      hubs: s.hubs.join(" "),
      labels: Object.entries(n.metadata.labels ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(" "),
      publicKey: s.publicKey ?? "",
      persistentKeepalive: s.persistentKeepalive === undefined ? "" : String(s.persistentKeepalive),
      description: s.description ?? "",
    };
    rows.push(NODE_CSV_COLUMNS.map((c) => quoteCell(cells[c])).join(","));
  }
  return `${rows.join("\n")}\n`;
}
