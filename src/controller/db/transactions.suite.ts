/**
 * Shared tests of what makes the database safe to share: transactions that never lose an update
 * or leave half a change, and migrations that two replicas can start at once.
 */
import { setImmediate as yieldTurn } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { MIGRATIONS, migrate } from "./migrations.js";
import type { Db } from "./open.js";
import { appendAudit, listAudit } from "./repo-audit.js";
import { getMeta, getRevision, nextRevision, setMeta } from "./repo-meta.js";
import { getResource, putResource } from "./repo-resources.js";
import { node } from "./repo-resources.suite.js";
import type { Harness } from "./suite-harness.js";

/** Reads the counter, lets every other task run, writes counter + 1: loses updates unless isolated. */
function bump(db: Db): Promise<void> {
  return db.transaction(async (tx) => {
    const value = Number((await getMeta(tx, "counter")) ?? 0);
    await yieldTurn();
    await setMeta(tx, "counter", String(value + 1));
  });
}

async function appliedMigrations(db: Db): Promise<string[]> {
  const rows = await db.kysely.selectFrom("hubwire_migrations").select("id").orderBy("id").execute();
  return rows.map((r) => r.id);
}

export function transactionsSuite(h: Harness): void {
  describe("transactions", () => {
    it("loses no update among 50 concurrent read-modify-write transactions", async () => {
      const db = await h.db();
      await Promise.all(Array.from({ length: 50 }, () => bump(db)));
      expect(await db.transaction((tx) => getMeta(tx, "counter"))).toBe("50");
    });

    it("loses no update when two replicas each run 25 at once", async () => {
      const open = await h.fresh();
      const [a, b] = await Promise.all([open(), open()]);
      await Promise.all(Array.from({ length: 50 }, (_, i) => bump(i % 2 === 0 ? a : b)));
      expect(await b.transaction((tx) => getMeta(tx, "counter"))).toBe("50");
    });

    it("hands out each revision exactly once under concurrency", async () => {
      const db = await h.db();
      const revisions = await Promise.all(
        Array.from({ length: 50 }, () => db.transaction((tx) => nextRevision(tx))),
      );
      expect(revisions.sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect(await db.transaction((tx) => getRevision(tx))).toBe(50);
    });

    it("rolls back everything when the callback throws", async () => {
      const db = await h.db();
      await db.transaction(async (tx) => {
        await putResource(tx, node("kept"));
        await nextRevision(tx);
      });
      const failure = new Error("validation failed halfway");
      await expect(
        db.transaction(async (tx) => {
          await putResource(tx, node("kept", { role: "hub" }));
          await putResource(tx, node("new"));
          await appendAudit(tx, { actor: "user:a", source: "test", action: "update" });
          await nextRevision(tx);
          throw failure;
        }),
      ).rejects.toBe(failure);
      expect(await db.transaction((tx) => getResource(tx, "Node", "new"))).toBeUndefined();
      expect(await db.transaction((tx) => getResource(tx, "Node", "kept"))).toMatchObject({
        role: "spoke",
        generation: 1,
      });
      expect(await db.transaction((tx) => getRevision(tx))).toBe(1);
      expect((await db.transaction((tx) => listAudit(tx, { limit: 10 }))).items).toEqual([]);
      const labels = await db.kysely.selectFrom("resource_labels").select("name").execute();
      expect(labels).toEqual([{ name: "kept" }]);
    });

    it("keeps working after a failed transaction", async () => {
      const db = await h.db();
      await expect(
        db.transaction((tx) => putResource(tx, node("a", { metadata: { name: "b" } }))),
      ).rejects.toThrow();
      await expect(db.transaction(async () => Promise.reject(new Error("x")))).rejects.toThrow("x");
      expect(await db.transaction((tx) => nextRevision(tx))).toBe(1);
    });
  });

  describe("migrations", () => {
    it("apply once when two replicas open a fresh database at the same moment", async () => {
      const open = await h.fresh();
      const [a, b] = await Promise.all([open(), open()]);
      const ids = MIGRATIONS.map((m) => m.id);
      expect(await appliedMigrations(a)).toEqual(ids);
      expect(await appliedMigrations(b)).toEqual(ids);
      expect(await migrate(a.kysely, a.dialect)).toEqual([]);
      const c = await open();
      expect(await appliedMigrations(c)).toEqual(ids);
      // Both replicas work on the one schema.
      await a.transaction((tx) => nextRevision(tx));
      expect(await b.transaction((tx) => nextRevision(tx))).toBe(2);
    });

    it("refuse a database migrated by a newer version", async () => {
      const open = await h.fresh();
      const db = await open();
      await db.kysely
        .insertInto("hubwire_migrations")
        .values({ id: "9999_future", applied_at: "x" })
        .execute();
      await expect(open()).rejects.toThrow(/newer hubwire.*9999_future/);
    });

    it("leave the schema untouched when a migration fails", async () => {
      const open = await h.fresh();
      const db = await open();
      const broken = [
        ...MIGRATIONS,
        {
          id: "9000_broken",
          async up(k: Parameters<(typeof MIGRATIONS)[number]["up"]>[0]) {
            await k.schema.createTable("half_done").addColumn("x", "text").execute();
            await k.schema.createTable("meta").addColumn("x", "text").execute(); // exists: fails
          },
        },
      ];
      await expect(migrate(db.kysely, db.dialect, broken)).rejects.toThrow();
      expect(await appliedMigrations(db)).toEqual(MIGRATIONS.map((m) => m.id));
      const tables = await db.kysely.introspection.getTables();
      expect(tables.map((t) => t.name)).not.toContain("half_done");
      expect(await db.transaction((tx) => nextRevision(tx))).toBe(1);
    });
  });
}
