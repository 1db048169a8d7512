/** Assertions on API answers shared by the API suites. */
import type { LightMyRequestResponse } from "fastify";
import { expect } from "vitest";
import type { Issue } from "../../model/index.js";
import { API_ERRORS } from "../api/errors.js";
import type { ErrorCode } from "../errors.js";

export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly issues?: readonly Issue[] };
}

/** Asserts an error answer with `code` and the status the error table gives it; returns the error. */
export function expectError(r: LightMyRequestResponse, code: ErrorCode): ErrorBody["error"] {
  expect(r.statusCode, r.body).toBe(API_ERRORS[code].status);
  expect(r.headers["content-type"]).toMatch(/^application\/json/);
  const body = r.json() as ErrorBody;
  expect(Object.keys(body)).toEqual(["error"]);
  expect(body.error.code, r.body).toBe(code);
  expect(typeof body.error.message).toBe("string");
  return body.error;
}

/** Asserts a validation failure (422) that lists an issue with the fields of `issue`; returns the error. */
export function expectIssue(r: LightMyRequestResponse, issue: Partial<Issue>): ErrorBody["error"] {
  const error = expectError(r, "validation-failed");
  expect(error.issues).toContainEqual(expect.objectContaining(issue));
  return error;
}

/** Asserts a 401/403 body is exactly `{ error: { code, message } }`, nothing else. */
export function expectBareError(r: LightMyRequestResponse, code: ErrorCode): void {
  expect(r.statusCode, r.body).toBe(API_ERRORS[code].status);
  const body = r.json() as ErrorBody;
  expect(body).toEqual({ error: { code, message: expect.any(String) } });
  expect(Object.keys(body.error).sort()).toEqual(["code", "message"]);
}

/** Asserts a 2xx status, showing the body otherwise. */
export function expectOk(r: LightMyRequestResponse, status = 200): void {
  expect(r.statusCode, r.body).toBe(status);
}

/** Names of the items of a list answer. */
export function names(r: LightMyRequestResponse): string[] {
  expectOk(r);
  return (r.json() as { items: Array<{ metadata: { name: string } }> }).items.map((i) => i.metadata.name);
}

/** An answer without what differs between any two requests (the Date header), for comparing answers. */
export function answerShape(r: LightMyRequestResponse): { status: number; body: string; headers: object } {
  const { date: _date, ...headers } = r.headers;
  return { status: r.statusCode, body: r.body, headers };
}
