/** Nonce pruning keeps exactly what a replay could still use (SQLite; the statements are dialect-neutral). */
import { describe, expect, it } from "vitest";
import { openDatabase } from "../db/open.js";
import { claimNonce, nonceSeen } from "../db/repo-join-tokens.js";
import { IntentStore } from "../state/intent-store.js";
import { scratchDir } from "../testing/scratch-dir.js";
import { enrollmentConfig } from "./config.js";
import { enrollmentHousekeeping } from "./housekeeping.js";

const dirs = await scratchDir("hubwire-enroll-housekeeping-");

describe("enrollment housekeeping", () => {
  it("forgets nonces seen more than twice the skew ago, and keeps the rest", async () => {
    const db = await openDatabase({ dataDir: dirs.next() });
    try {
      const now = new Date("2026-11-27T12:00:00Z");
      const skewMs = 5 * 60_000;
      const at = (ms: number) => new Date(now.getTime() - ms).toISOString();
      await db.transaction(async (tx) => {
        await claimNonce(tx, "p", "old", at(2 * skewMs + 1000));
        await claimNonce(tx, "p", "edge", at(2 * skewMs));
        await claimNonce(tx, "p", "new", at(1000));
      });
      const config = enrollmentConfig({ urls: [], caSha256: "", caPem: "", skewMs });
      const result = await enrollmentHousekeeping({
        db,
        intent: new IntentStore(db),
        config,
        now: () => now,
      });
      expect(result).toEqual({ expired: [], nonces: 1, rotations: [] });
      const seen = async (n: string) => db.transaction((tx) => nonceSeen(tx, "p", n));
      expect([await seen("old"), await seen("edge"), await seen("new")]).toEqual([false, true, true]);
    } finally {
      await db.close();
    }
  });
});
