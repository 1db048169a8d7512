/** The lock wait of sqlite-immediate.ts, with a fake connection. */
import { describe, expect, it } from "vitest";
import { beginImmediate } from "./sqlite-immediate.js";

const busy = () => Object.assign(new Error("database is locked"), { code: "SQLITE_BUSY" });

describe("beginImmediate", () => {
  it("retries while busy, without the busy timeout, and restores it", async () => {
    const log: string[] = [];
    let refusals = 3;
    await beginImmediate(async (statement) => {
      log.push(statement);
      if (statement === "begin immediate" && refusals-- > 0) throw busy();
    }, 1_000);
    expect(log).toEqual([
      "pragma busy_timeout = 0",
      "begin immediate",
      "begin immediate",
      "begin immediate",
      "begin immediate",
      "pragma busy_timeout = 1000",
    ]);
  });

  it("gives up with a clear error after the timeout", async () => {
    const log: string[] = [];
    const started = Date.now();
    const error = await beginImmediate(async (statement) => {
      log.push(statement);
      if (statement === "begin immediate") throw busy();
    }, 50).then(
      () => new Error("resolved"),
      (e: unknown) => e as Error,
    );
    expect(error.message).toMatch(/locked: another writer held it for over 50 ms/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);
    expect(log.at(-1)).toBe("pragma busy_timeout = 50");
  });

  it("passes other errors through at once", async () => {
    const broken = Object.assign(new Error("disk I/O error"), { code: "SQLITE_IOERR" });
    await expect(
      beginImmediate(async (statement) => {
        if (statement === "begin immediate") throw broken;
      }),
    ).rejects.toBe(broken);
  });
});
