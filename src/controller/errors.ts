/**
 * Domain errors: what went wrong as a stable code, with every issue (resource and field path)
 * for validation. The code that throws them (state, enroll, auth, guard) knows nothing of HTTP or
 * exit codes: api/errors.ts maps codes to HTTP statuses, cli/exit-codes.ts to exit codes.
 */
import type { Issue } from "../model/index.js";

/** Every code and what it means; the API's error documentation is built from this table. */
export const ERROR_CODES = {
  "bad-request": "the request is malformed (body, query or path)",
  "validation-failed": "the change would make the intent invalid; `issues` lists each problem",
  unauthenticated: "no valid credentials",
  forbidden: "the credentials' role may not do this",
  "csrf-failed": "a cookie-authenticated change without a valid X-CSRF-Token header",
  "not-found": "no such resource",
  "already-exists": "a resource of that kind and name exists",
  conflict: "the resource changed since it was read",
  "payload-too-large": "the body exceeds the size limit",
  "unsupported-media-type": "send application/json or application/yaml",
  "enrollment-rejected":
    "the enrollment request failed a check; `reason` names which (and `state` the enrollment's)",
  "rate-limited": "too many attempts; retry after the Retry-After header",
  unavailable: "the database is unreachable",
  internal: "an unexpected error; details are in the controller's log",
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorDetails {
  /** When a retry may succeed (rate limits). */
  readonly retryAfterSeconds?: number;
  /** Fields the error's answer carries besides code, message and issues (an enrollment's reason). */
  readonly extra?: Readonly<Record<string, string>>;
}

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly issues?: readonly Issue[],
    readonly details: ErrorDetails = {},
  ) {
    super(message);
  }
}
