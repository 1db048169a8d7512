/**
 * Credentials are checked before the body is read: an anonymous caller gets
 * 401 for a malformed or huge body, never a parse error (which would mean the
 * controller spent the work of parsing it).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildApp } from "../app.js";
import { openDatabase } from "../db/open.js";

describe("authentication comes before body parsing", async () => {
  const dir = await mkdtemp(join(tmpdir(), "hwt-authfirst-"));
  const db = await openDatabase({ dataDir: dir });
  const app = await buildApp({ db, logger: false });
  afterAll(async () => {
    await app.close();
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });

  // An anonymous POST of a body that is not JSON, though it says it is.
  const postMalformedJson = (url: string) =>
    app.inject({
      method: "POST",
      url,
      headers: { "content-type": "application/json" },
      payload: "{ not json",
    });

  it("answers 401, not 400, to an anonymous request with a malformed JSON body", async () => {
    const r = await postMalformedJson("/api/v1/nodes");
    expect(r.statusCode).toBe(401);
    expect(r.json()).toEqual({
      error: { code: "unauthenticated", message: "missing or invalid credentials" },
    });
  });

  it("answers 401 to an anonymous request with a large body, without reading it as YAML", async () => {
    const r = await app.inject({
      method: "POST",
      url: "/api/v1/apply",
      headers: { "content-type": "application/yaml" },
      payload: `${"- [".repeat(100_000)}`,
    });
    expect(r.statusCode).toBe(401);
  });

  it("still parses bodies for public routes (login) and answers their own errors", async () => {
    const r = await postMalformedJson("/api/v1/login");
    expect(r.statusCode).toBe(400);
  });
});
