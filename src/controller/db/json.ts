/**
 * JSON columns. Both engines store JSON as TEXT (PostgreSQL's json types would make the two
 * schemas differ, and nothing queries inside the documents), so repositories serialize on write
 * and parse on read, here.
 */

/** A JSON object as stored: what spec, status, metadata and audit snapshots are. */
export type JsonObject = { [key: string]: unknown };

/** Serializes a value for a TEXT column. */
export function toJson(value: unknown): string {
  return JSON.stringify(value);
}

/** Parses a TEXT column; a value that is not JSON is a corrupted row, reported with `where` it is. */
export function fromJson<T>(text: string, where: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new Error(`corrupted JSON in ${where}: ${(error as Error).message}`, { cause: error });
  }
}

/** Like {@link fromJson} for a nullable column: NULL stays null. */
export function fromJsonOrNull<T>(text: string | null, where: string): T | null {
  return text === null ? null : fromJson<T>(text, where);
}
