/** openDatabase's checks that need no database. */
import { describe, expect, it } from "vitest";
import { MIGRATIONS } from "./migrations.js";
import { DatabaseUrlError, openDatabase } from "./open.js";

describe("openDatabase", () => {
  it.each([
    ["mysql://root:secret@db/hubwire", /postgres:\/\/ or postgresql:\/\/ \(got mysql:\/\/\)/],
    ["sqlite:///var/lib/hubwire.db", /got sqlite:/],
    ["localhost:5432/hubwire", /must start with postgres/],
    ["not a url", /not a valid URL/],
    ["", /not a valid URL/],
  ])("refuses %j with a clear error that does not repeat the URL", async (databaseUrl, message) => {
    const error = await openDatabase({ databaseUrl, dataDir: "/nonexistent" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseUrlError);
    expect((error as DatabaseUrlError).code).toBe("invalid-database-url");
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain("secret");
  });
});

describe("MIGRATIONS", () => {
  it("have unique ids in ascending order", () => {
    const ids = MIGRATIONS.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });
});
