/**
 * Whether an error came from the database (its driver or the connection to
 * it), so that only those count in `hubwire_database_errors_total`; a bug or
 * a malformed request is something else.
 */
import pg from "pg";

/** Socket errors of a database connection (PostgreSQL over TCP). */
const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EHOSTUNREACH",
]);

export function isDatabaseError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === "SqliteError" || error instanceof pg.DatabaseError) return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && CONNECTION_CODES.has(code)) return true;
  // pg's own client errors ("Connection terminated", pool timeouts) carry no code.
  return /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/.test(
    error.message,
  );
}
