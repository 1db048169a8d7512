import { describe, expect, it } from "vitest";
import { apiFailure, EXIT, exitCodeFor } from "./exit-codes.js";

const body = (code: string, issues: unknown[] = []) =>
  JSON.stringify({ error: { code, message: `it failed: ${code}`, issues } });

describe("exit codes of API failures", () => {
  it("maps each kind of refusal to its own code, a 5xx never to usage", () => {
    expect(apiFailure("PUT /x", 422, body("validation-failed")).exitCode).toBe(EXIT.invalid);
    expect(apiFailure("PUT /x", 400, body("bad-request")).exitCode).toBe(EXIT.usage);
    expect(apiFailure("PUT /x", 403, body("forbidden")).exitCode).toBe(EXIT.denied);
    expect(apiFailure("PUT /x", 401, body("unauthenticated")).exitCode).toBe(EXIT.denied);
    expect(apiFailure("GET /x", 404, body("not-found")).exitCode).toBe(EXIT.notFound);
    expect(apiFailure("PUT /x", 409, body("already-exists")).exitCode).toBe(EXIT.conflict);
    expect(apiFailure("PUT /x", 429, body("rate-limited")).exitCode).toBe(EXIT.unavailable);
    expect(apiFailure("PUT /x", 503, body("unavailable")).exitCode).toBe(EXIT.unavailable);
    expect(apiFailure("PUT /x", 500, body("internal")).exitCode).toBe(EXIT.internal);
  });

  it("falls back to the HTTP status when the body is not an API error (a proxy's page)", () => {
    expect(exitCodeFor(502, undefined)).toBe(EXIT.internal);
    expect(exitCodeFor(503, undefined)).toBe(EXIT.unavailable);
    expect(exitCodeFor(404, undefined)).toBe(EXIT.notFound);
    expect(apiFailure("GET /x", 502, "<html>bad gateway</html>").message).toBe("GET /x: 502");
  });

  it("prints the API's message, code and every issue with its source", () => {
    const issue = {
      code: "dangling-ref",
      kind: "Node",
      name: "a",
      path: "spec.network",
      message: "no such network",
      source: "f.yaml#2",
    };
    expect(apiFailure("POST /api/v1/apply", 422, body("validation-failed", [issue])).message).toBe(
      "POST /api/v1/apply: it failed: validation-failed [validation-failed]\nf.yaml#2: Node/a spec.network: no such network [dangling-ref]",
    );
  });
});
