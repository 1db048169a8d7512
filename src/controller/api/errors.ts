/**
 * Domain errors (../errors.ts) as HTTP answers: the status of each code from this one table, and
 * the body `{ error: { code, message, issues? } }`. Bodies never carry stack traces or data
 * beyond the error.
 */
import type { FastifyReply } from "fastify";
import type { Issue } from "../../model/index.js";
import { type DomainError, ERROR_CODES, type ErrorCode } from "../errors.js";

const HTTP_STATUS: Record<ErrorCode, number> = {
  "bad-request": 400,
  "validation-failed": 422,
  unauthenticated: 401,
  forbidden: 403,
  "csrf-failed": 403,
  "not-found": 404,
  "already-exists": 409,
  conflict: 409,
  "payload-too-large": 413,
  "unsupported-media-type": 415,
  "enrollment-rejected": 403,
  "rate-limited": 429,
  unavailable: 503,
  internal: 500,
};

/** Each code with its HTTP status and meaning (the OpenAPI document lists them). */
export const API_ERRORS = Object.fromEntries(
  (Object.keys(ERROR_CODES) as ErrorCode[]).map((code) => [
    code,
    { status: HTTP_STATUS[code], description: ERROR_CODES[code] },
  ]),
) as Record<ErrorCode, { readonly status: number; readonly description: string }>;

export interface ErrorBody {
  readonly error: {
    readonly code: ErrorCode;
    readonly message: string;
    readonly issues?: readonly Issue[];
    readonly [extra: string]: unknown;
  };
}

export function httpStatus(error: DomainError): number {
  return HTTP_STATUS[error.code];
}

export function errorBody(error: DomainError): ErrorBody {
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(error.issues ? { issues: error.issues } : {}),
      ...error.details.extra,
    },
  };
}

/** Answers `error` with its status, body and Retry-After. */
export function sendError(reply: FastifyReply, error: DomainError): FastifyReply {
  if (error.details.retryAfterSeconds !== undefined) {
    reply.header("retry-after", String(error.details.retryAfterSeconds));
  }
  return reply.code(httpStatus(error)).send(errorBody(error));
}

/** The code for an HTTP status (Fastify's own 4xx refusals), `bad-request` when none matches. */
export function codeForStatus(status: number): ErrorCode {
  return (Object.keys(HTTP_STATUS) as ErrorCode[]).find((c) => HTTP_STATUS[c] === status) ?? "bad-request";
}
