/**
 * The two backup formats and what both sides agree on.
 *
 * **SQLite** (`application/vnd.sqlite3`): the whole database file, as SQLite's online backup API
 * copies it, with `journal_mode = delete` so the one file is complete. Only a SQLite controller
 * makes one directly; a PostgreSQL controller can write one too (its rows loaded into a new file).
 *
 * **JSON lines** (`application/x-ndjson`, "jsonl"): a logical export that either engine writes
 * and reads, so a backup moves between SQLite and PostgreSQL. UTF-8, one JSON value per line,
 * each line ending in `\n`:
 *
 * ```
 * {"format":"hubwire-backup","version":1,"dialect":"postgres","migrations":["0001_initial"],"createdAt":"2025-01-01T00:00:00.000Z"}
 * {"table":"meta","columns":["key","value"]}
 * ["revision","42"]
 * ["controller_id","…"]
 * {"table":"resources","columns":["kind","name",…]}
 * …
 * {"end":true,"tables":{"meta":2,"resources":118,…},"rows":950,"sha256":"…"}
 * ```
 *
 * - line 1, the header: `migrations` are the schema the rows belong to (the ids recorded in
 *   `hubwire_migrations`; a reader refuses ids it does not know — a newer hubwire wrote it);
 *   `dialect` is where the rows came from; `createdAt` when the snapshot was taken.
 * - a table line starts each table, naming its columns; the arrays that follow are its rows,
 *   values in that column order: strings, integers or null. Tables come parents first, so rows
 *   can be inserted in file order without breaking a foreign key. `hubwire_migrations` is not a
 *   table here: the header carries it.
 * - the end line closes the backup: row counts per table, the total, and the SHA-256 (hex) of
 *   every byte before the end line. A file without it is truncated; a different hash means the
 *   file was altered or damaged. Nothing may follow it.
 *
 * Every row of the file comes from one database snapshot (see export.ts).
 */
import { createHash, type Hash } from "node:crypto";
import { createReadStream } from "node:fs";
import type { Issue } from "../../model/index.js";
import type { DialectName } from "../db/schema.js";

/** `format` of the header line. */
export const JSONL_FORMAT = "hubwire-backup";
/** The JSON-lines version this build writes and the highest it reads. */
export const JSONL_VERSION = 1;

/** Content types of the two formats. */
export const CONTENT_TYPES = {
  sqlite: "application/vnd.sqlite3",
  jsonl: "application/x-ndjson",
} as const;

/** A backup format. */
export type BackupFormat = keyof typeof CONTENT_TYPES;

/** The first 16 bytes of every SQLite database file. */
export const SQLITE_MAGIC = Buffer.from("SQLite format 3\0", "latin1");

/** A column value a backup holds. Both engines' columns are TEXT, INTEGER or BIGINT. */
export type Value = string | number | null;

/** The header line. */
export interface BackupHeader {
  readonly format: typeof JSONL_FORMAT;
  readonly version: number;
  readonly dialect: DialectName;
  readonly migrations: readonly string[];
  readonly createdAt: string;
}

/** The end line. */
export interface BackupEnd {
  readonly end: true;
  readonly tables: Readonly<Record<string, number>>;
  readonly rows: number;
  readonly sha256: string;
}

/**
 * What every reader of a backup produces and every writer consumes, whatever the format: a table
 * (its columns), then batches of its rows, then the next table.
 */
export type BackupEvent =
  | { readonly type: "table"; readonly table: string; readonly columns: readonly string[] }
  | { readonly type: "rows"; readonly rows: readonly (readonly Value[])[] };

/**
 * The backup cannot be read: not a backup, corrupt, truncated, altered. Nothing was changed.
 * The API answers 400.
 */
export class BackupFormatError extends Error {
  override readonly name = "BackupFormatError";
}

/**
 * The backup reads fine but cannot be restored here: a newer schema or format, or contents this
 * controller would refuse (invalid intent, rows that break the schema). Nothing was changed.
 * The API answers 422.
 */
export class BackupRefusedError extends Error {
  override readonly name = "BackupRefusedError";
  constructor(
    message: string,
    readonly issues?: readonly Issue[],
  ) {
    super(message);
  }
}

/** Which format a file is in, from its first bytes; undefined when it is neither. */
export function sniffFormat(head: Buffer): BackupFormat | undefined {
  if (head.length >= SQLITE_MAGIC.length && head.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC)) {
    return "sqlite";
  }
  const text = head.toString("utf8").trimStart();
  return text.startsWith("{") ? "jsonl" : undefined;
}

/** Checks one value read from a database, for writing; throws on anything else. */
export function checkValue(value: unknown, table: string, column: string): Value {
  if (value === null || typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "bigint" && Number.isSafeInteger(Number(value))) return Number(value);
  throw new Error(`${table}.${column} holds a ${typeof value}, which a hubwire backup cannot carry`);
}

/**
 * Encodes a header and events as JSON lines: yields text chunks of about 64 KiB, then the end
 * line with the counts and the hash of everything before it.
 */
export async function* encodeJsonl(
  header: BackupHeader,
  events: AsyncIterable<BackupEvent>,
): AsyncGenerator<string> {
  const hash = createHash("sha256");
  const tables: Record<string, number> = {};
  let rows = 0;
  let current: string | undefined;
  let chunk = `${JSON.stringify(header)}\n`;
  const flush = function* () {
    if (chunk.length === 0) return;
    hash.update(chunk, "utf8");
    yield chunk;
    chunk = "";
  };
  for await (const event of events) {
    if (event.type === "table") {
      if (event.table in tables) throw new Error(`table ${event.table} appears twice`);
      current = event.table;
      tables[current] = 0;
      chunk += `${JSON.stringify({ table: event.table, columns: event.columns })}\n`;
    } else {
      if (current === undefined) throw new Error("rows before any table");
      for (const row of event.rows) chunk += `${JSON.stringify(row)}\n`;
      tables[current]! += event.rows.length;
      rows += event.rows.length;
    }
    if (chunk.length >= 65_536) yield* flush();
  }
  yield* flush();
  const end: BackupEnd = { end: true, tables, rows, sha256: hash.digest("hex") };
  yield `${JSON.stringify(end)}\n`;
}

/** What {@link decodeJsonl} found once it has read the whole file. */
export interface DecodedSummary {
  readonly tables: Readonly<Record<string, number>>;
  readonly rows: number;
}

/**
 * Reads a JSON-lines backup: `header` is checked at once (the file's first line); `events` then
 * yields every table and batch of rows, checking each line as it goes, and throws
 * {@link BackupFormatError} at the first problem — including, after the last row, a missing end
 * line (truncated), a hash or count that does not match, or anything after the end line. So a
 * consumer that has taken every event without an error has read a complete, unaltered backup.
 * A header with a newer format version is a {@link BackupRefusedError}.
 */
export async function openJsonl(
  file: string,
  batchRows = 1000,
): Promise<{
  header: BackupHeader;
  events: AsyncGenerator<BackupEvent, DecodedSummary>;
  /** Closes the file; for a reader that stops before the end. */
  close(): Promise<void>;
}> {
  const lines = readLines(file);
  const close = async () => {
    await lines.return(undefined);
  };
  try {
    const first = await lines.next();
    if (first.done) throw new BackupFormatError("the backup is empty");
    const header = parseHeader(first.value.text);
    const hash = createHash("sha256");
    hash.update(first.value.bytes);
    return { header, events: decodeBody(lines, hash, batchRows), close };
  } catch (error) {
    await close();
    throw error;
  }
}

function parseHeader(text: string): BackupHeader {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BackupFormatError("line 1 is not JSON: this is not a hubwire backup");
  }
  const h = value as Partial<BackupHeader> | null;
  if (h === null || typeof h !== "object" || h.format !== JSONL_FORMAT) {
    throw new BackupFormatError(`line 1 is not a hubwire backup header (no "format": "${JSONL_FORMAT}")`);
  }
  if (typeof h.version !== "number" || !Number.isInteger(h.version) || h.version < 1) {
    throw new BackupFormatError("line 1: the header's version is not a positive integer");
  }
  if (h.version > JSONL_VERSION) {
    throw new BackupRefusedError(
      `the backup is in format version ${h.version}, written by a newer hubwire; this one reads up to version ${JSONL_VERSION}`,
    );
  }
  if (h.dialect !== "sqlite" && h.dialect !== "postgres") {
    throw new BackupFormatError('line 1: the header\'s dialect is not "sqlite" or "postgres"');
  }
  if (!Array.isArray(h.migrations) || !h.migrations.every((m) => typeof m === "string")) {
    throw new BackupFormatError("line 1: the header's migrations are not a list of ids");
  }
  if (typeof h.createdAt !== "string") throw new BackupFormatError("line 1: the header has no createdAt");
  return {
    format: JSONL_FORMAT,
    version: h.version,
    dialect: h.dialect,
    migrations: h.migrations,
    createdAt: h.createdAt,
  };
}

async function* decodeBody(
  lines: AsyncGenerator<Line>,
  hash: Hash,
  batchRows: number,
): AsyncGenerator<BackupEvent, DecodedSummary> {
  const tables: Record<string, number> = {};
  let rows = 0;
  let columns: number | undefined;
  let current = "";
  let batch: Value[][] = [];
  let end: BackupEnd | undefined;
  let lineNo = 1;
  try {
    for await (const line of lines) {
      lineNo++;
      if (end) throw new BackupFormatError(`line ${lineNo}: data after the end line`);
      let value: unknown;
      try {
        value = JSON.parse(line.text);
      } catch {
        throw new BackupFormatError(
          line.complete
            ? `line ${lineNo} is not valid JSON: the backup is damaged`
            : `the backup is truncated: its last line (${lineNo}) breaks off (an interrupted download?)`,
        );
      }
      if (Array.isArray(value)) {
        if (columns === undefined) throw new BackupFormatError(`line ${lineNo}: a row before any table line`);
        if (value.length !== columns) {
          throw new BackupFormatError(
            `line ${lineNo}: a row of ${value.length} values in table ${current}, which has ${columns} columns`,
          );
        }
        for (const v of value) {
          if (v !== null && typeof v !== "string" && !(typeof v === "number" && Number.isFinite(v))) {
            throw new BackupFormatError(`line ${lineNo}: a value that is not a string, number or null`);
          }
        }
        hash.update(line.bytes);
        batch.push(value as Value[]);
        tables[current]!++;
        rows++;
        if (batch.length >= batchRows) {
          yield { type: "rows", rows: batch };
          batch = [];
        }
        continue;
      }
      const obj = value as Record<string, unknown> | null;
      if (obj !== null && typeof obj === "object" && typeof obj.table === "string") {
        const cols = obj.columns;
        if (!Array.isArray(cols) || cols.length === 0 || !cols.every((c) => typeof c === "string")) {
          throw new BackupFormatError(`line ${lineNo}: table ${obj.table} has no list of columns`);
        }
        if (new Set(cols).size !== cols.length) {
          throw new BackupFormatError(`line ${lineNo}: table ${obj.table} names a column twice`);
        }
        if (obj.table in tables)
          throw new BackupFormatError(`line ${lineNo}: table ${obj.table} appears twice`);
        if (batch.length) yield { type: "rows", rows: batch };
        batch = [];
        hash.update(line.bytes);
        current = obj.table;
        columns = cols.length;
        tables[current] = 0;
        yield { type: "table", table: current, columns: cols as string[] };
        continue;
      }
      if (obj !== null && typeof obj === "object" && obj.end === true) {
        end = obj as unknown as BackupEnd;
        continue;
      }
      throw new BackupFormatError(`line ${lineNo} is neither a row, a table line nor the end line`);
    }
  } catch (error) {
    if (error instanceof BackupFormatError) throw error;
    throw new BackupFormatError(`cannot read the backup: ${(error as Error).message}`);
  }
  if (!end) {
    throw new BackupFormatError(
      `the backup is truncated: it ends after line ${lineNo} without its end line (an interrupted download?)`,
    );
  }
  if (end.sha256 !== hash.digest("hex")) {
    throw new BackupFormatError(
      "the backup's SHA-256 does not match its end line: the file was altered or damaged",
    );
  }
  const counted = JSON.stringify(Object.entries(tables).sort());
  const claimed =
    end.tables && typeof end.tables === "object" ? JSON.stringify(Object.entries(end.tables).sort()) : "";
  if (end.rows !== rows || counted !== claimed) {
    throw new BackupFormatError("the backup's row counts do not match its end line: the file is damaged");
  }
  if (batch.length) yield { type: "rows", rows: batch };
  return { tables, rows };
}

interface Line {
  /** The line without its line break, decoded as UTF-8. */
  readonly text: string;
  /** The line's exact bytes including its `\n` (what the hash covers). */
  readonly bytes: Buffer;
  /** False for a last line without `\n`. */
  readonly complete: boolean;
}

/** Lines of a file, split at `\n`; a last line without one is still a line. */
async function* readLines(file: string): AsyncGenerator<Line> {
  let rest: Buffer = Buffer.alloc(0);
  for await (const chunk of createReadStream(file, { highWaterMark: 256 * 1024 })) {
    let data = rest.length ? Buffer.concat([rest, chunk as Buffer]) : (chunk as Buffer);
    let start = 0;
    for (let nl = data.indexOf(10, start); nl !== -1; nl = data.indexOf(10, start)) {
      const bytes = data.subarray(start, nl + 1);
      yield { text: bytes.toString("utf8", 0, bytes.length - 1), bytes, complete: true };
      start = nl + 1;
    }
    data = data.subarray(start);
    rest = Buffer.from(data);
  }
  if (rest.length) yield { text: rest.toString("utf8"), bytes: rest, complete: false };
}
