/** Shared tests of repo-node-credentials.ts, run against every dialect. */
import { describe, expect, it } from "vitest";
import {
  deleteNodeCredential,
  putNodeCredential,
  readNodeCredential,
  revokeNodeCredential,
} from "./repo-node-credentials.js";
import type { Harness } from "./suite-harness.js";

const T0 = "2026-01-01T00:00:00.000Z";
const T1 = "2026-01-01T01:00:00.000Z";

export function nodeCredentialsSuite(h: Harness): void {
  describe("node credentials", () => {
    it("reads each write as soon as it is committed, on this handle and on another replica's", async () => {
      const open = await h.fresh();
      const writer = await open();
      const replica = await open();
      for (const db of [writer, replica]) expect(await readNodeCredential(db, "spoke-a")).toBeUndefined();

      expect(await writer.transaction((tx) => putNodeCredential(tx, "spoke-a", "h1", T0))).toBe(true);
      const issued = { node: "spoke-a", secret_hash: "h1", issued_at: T0, revoked_at: null };
      for (const db of [writer, replica]) expect(await readNodeCredential(db, "spoke-a")).toEqual(issued);

      // Revoked on the other replica: the next read on either sees it.
      expect(await replica.transaction((tx) => revokeNodeCredential(tx, "spoke-a", T1))).toBe(true);
      for (const db of [writer, replica])
        expect(await readNodeCredential(db, "spoke-a")).toEqual({ ...issued, revoked_at: T1 });

      await writer.transaction((tx) => deleteNodeCredential(tx, "spoke-a"));
      for (const db of [writer, replica]) expect(await readNodeCredential(db, "spoke-a")).toBeUndefined();
    });

    it("answers lookups asked together each with its own row (batched on SQLite)", async () => {
      const db = await h.db();
      await db.transaction(async (tx) => {
        for (let i = 0; i < 50; i += 2) await putNodeCredential(tx, `spoke-${i}`, `h${i}`, T0);
      });
      const names = Array.from({ length: 50 }, (_, i) => `spoke-${i % 50}`).concat(["spoke-4", "spoke-5"]);
      const rows = await Promise.all(names.map((n) => readNodeCredential(db, n)));
      rows.forEach((row, k) => {
        const i = Number(names[k]!.slice(6));
        if (i % 2 === 0)
          expect(row).toEqual({ node: names[k], secret_hash: `h${i}`, issued_at: T0, revoked_at: null });
        else expect(row).toBeUndefined();
      });
    });

    it("does not see a write whose transaction has not committed, nor one rolled back", async () => {
      const db = await h.db();
      let during: Promise<unknown> | undefined;
      await expect(
        db.transaction(async (tx) => {
          await putNodeCredential(tx, "spoke-b", "h2", T0);
          // Asked while the transaction is open, not awaited in it (SQLite: it waits for the
          // connection the transaction holds; PostgreSQL: another pooled connection).
          during = readNodeCredential(db, "spoke-b");
          throw new Error("roll back");
        }),
      ).rejects.toThrow("roll back");
      expect(await during).toBeUndefined();
      expect(await readNodeCredential(db, "spoke-b")).toBeUndefined();

      // SQLite: a read asked during a transaction waits for it, so it sees what it committed.
      if (db.dialect !== "sqlite") return;
      let pending: Promise<unknown> | undefined;
      await db.transaction(async (tx) => {
        await putNodeCredential(tx, "spoke-c", "h3", T0);
        pending = readNodeCredential(db, "spoke-c");
      });
      expect(await pending).toMatchObject({ node: "spoke-c" });
    });
  });
}
