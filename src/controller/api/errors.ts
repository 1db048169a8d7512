/**
 * API errors: a stable code, the HTTP status from this one table, a message
 * and, for validation, every issue with its resource and field path. Bodies
 * never carry stack traces or data beyond the error.
 */
import type { Issue } from "../../model/index.js";

export const API_ERRORS = {
  "bad-request": { status: 400, description: "the request is malformed (body, query or path)" },
  "validation-failed": {
    status: 422,
    description: "the change would make the intent invalid; `issues` lists each problem",
  },
  unauthenticated: { status: 401, description: "no valid credentials" },
  forbidden: { status: 403, description: "the credentials' role may not do this" },
  "csrf-failed": {
    status: 403,
    description: "a cookie-authenticated change without a valid X-CSRF-Token header",
  },
  "not-found": { status: 404, description: "no such resource" },
  "already-exists": { status: 409, description: "a resource of that kind and name exists" },
  conflict: { status: 409, description: "the resource changed since it was read" },
  "payload-too-large": { status: 413, description: "the body exceeds the size limit" },
  "unsupported-media-type": { status: 415, description: "send application/json or application/yaml" },
  "enrollment-rejected": {
    status: 403,
    description: "the enrollment request failed a check; `reason` names which (and `state` the enrollment's)",
  },
  "rate-limited": { status: 429, description: "too many attempts; retry after the Retry-After header" },
  unavailable: { status: 503, description: "the database is unreachable" },
  internal: { status: 500, description: "an unexpected error; details are in the controller's log" },
} as const;

export type ApiErrorCode = keyof typeof API_ERRORS;

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly issues?: readonly Issue[],
    readonly headers?: Readonly<Record<string, string>>,
  ) {
    super(message);
  }

  get status(): number {
    return API_ERRORS[this.code].status;
  }

  toBody(): { error: { code: ApiErrorCode; message: string; issues?: readonly Issue[] } } {
    return {
      error: { code: this.code, message: this.message, ...(this.issues ? { issues: this.issues } : {}) },
    };
  }
}
