/** Shared tests of repo-meta.ts, repo-audit.ts and repo-rate-limits.ts, run against every dialect. */
import { describe, expect, it } from "vitest";
import { appendAudit, listAudit } from "./repo-audit.js";
import { ensureControllerId, getMeta, getRevision, nextRevision, setMeta } from "./repo-meta.js";
import { hitRateLimit, pruneRateLimits } from "./repo-rate-limits.js";
import type { Harness } from "./suite-harness.js";

export function logSuite(h: Harness): void {
  describe("meta", () => {
    it("counts revisions from 0 and keeps arbitrary values", async () => {
      const db = await h.db();
      expect(await db.transaction((tx) => getRevision(tx))).toBe(0);
      expect(await db.transaction((tx) => nextRevision(tx))).toBe(1);
      expect(await db.transaction((tx) => nextRevision(tx))).toBe(2);
      expect(await db.transaction(async (tx) => [await nextRevision(tx), await getRevision(tx)])).toEqual([
        3, 3,
      ]);
      expect(await db.transaction((tx) => getMeta(tx, "k"))).toBeUndefined();
      await db.transaction((tx) => setMeta(tx, "k", "v1"));
      await db.transaction((tx) => setMeta(tx, "k", "v2"));
      expect(await db.transaction((tx) => getMeta(tx, "k"))).toBe("v2");
    });

    it("keeps the first controller id, also when two replicas race", async () => {
      const open = await h.fresh();
      const [a, b] = await Promise.all([open(), open()]);
      const ids = await Promise.all([
        a.transaction((tx) => ensureControllerId(tx, "id-a")),
        b.transaction((tx) => ensureControllerId(tx, "id-b")),
      ]);
      expect(ids[0]).toBe(ids[1]);
      expect(["id-a", "id-b"]).toContain(ids[0]);
      expect(await a.transaction((tx) => ensureControllerId(tx, "id-c"))).toBe(ids[0]);
    });
  });

  describe("audit log", () => {
    it("appends with growing ids and round-trips before/after", async () => {
      const db = await h.db();
      const before = { spec: { subnets: ["10.0.0.0/24"] }, n: 1.5, ok: true, none: null };
      const entry = {
        at: "2026-01-01T00:00:00.000Z",
        actor: "user:alice",
        source: "127.0.0.1",
        action: "create",
        kind: "Node",
        name: "a",
      };
      const ids = await db.transaction(async (tx) => [
        await appendAudit(tx, { ...entry, after: before }),
        await appendAudit(tx, { actor: "system", source: "controller", action: "start" }),
      ]);
      expect(ids[1]).toBeGreaterThan(ids[0]!);
      const { items, next } = await db.transaction((tx) => listAudit(tx, { limit: 10 }));
      expect(next).toBeUndefined();
      expect(items.map((e) => e.id)).toEqual([ids[1], ids[0]]);
      expect(items[1]).toEqual({
        id: ids[0],
        ...entry,
        before: null,
        after: before,
        revision: null, // entries that make no intent revision name none
      });
      expect(items[0]).toMatchObject({ kind: null, name: null, before: null, after: null });
      expect(items[0]!.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    });

    it("filters and pages newest first", async () => {
      const db = await h.db();
      await db.transaction(async (tx) => {
        for (let i = 0; i < 12; i++) {
          await appendAudit(tx, {
            at: `2026-01-01T00:00:${String(i).padStart(2, "0")}.000Z`,
            actor: i % 2 === 0 ? "user:alice" : "user:bob",
            source: "test",
            action: i % 3 === 0 ? "delete" : "update",
            kind: "Node",
            name: i < 6 ? "a" : "b",
          });
        }
      });
      const list = (q: Omit<Parameters<typeof listAudit>[1], "limit"> & { limit?: number }) =>
        db.transaction((tx) => listAudit(tx, { limit: 100, ...q }));
      const seconds = (items: Array<{ at: string }>) => items.map((e) => Number(e.at.slice(17, 19)));
      expect(seconds((await list({ actor: "user:bob" })).items)).toEqual([11, 9, 7, 5, 3, 1]);
      expect(seconds((await list({ action: "delete" })).items)).toEqual([9, 6, 3, 0]);
      expect(seconds((await list({ kind: "Node", name: "a", actor: "user:alice" })).items)).toEqual([
        4, 2, 0,
      ]);
      expect(
        seconds((await list({ since: "2026-01-01T00:00:05.000Z", until: "2026-01-01T00:00:08.000Z" })).items),
      ).toEqual([7, 6, 5]);
      const pages: number[][] = [];
      let before: number | undefined;
      do {
        const page = await list({ limit: 5, before });
        pages.push(seconds(page.items));
        before = page.next;
      } while (before !== undefined);
      expect(pages).toEqual([
        [11, 10, 9, 8, 7],
        [6, 5, 4, 3, 2],
        [1, 0],
      ]);
      await expect(list({ limit: 0 })).rejects.toThrow(RangeError);
    });
  });

  describe("rate limits", () => {
    it("counts hits per key and window", async () => {
      const db = await h.db();
      const hit = (key: string, now: number) => db.transaction((tx) => hitRateLimit(tx, key, 60_000, now));
      const t = 1_767_225_600_000;
      expect(await hit("login:1.2.3.4", t)).toBe(1);
      expect(await hit("login:1.2.3.4", t + 1_000)).toBe(2);
      expect(await hit("login:5.6.7.8", t + 1_000)).toBe(1);
      expect(await hit("login:1.2.3.4", t + 59_999)).toBe(3);
      expect(await hit("login:1.2.3.4", t - 5_000)).toBe(4); // a lagging clock counts in the stored window
      expect(await hit("login:1.2.3.4", t + 60_000)).toBe(1); // a new window
      expect(await hit("login:1.2.3.4", t + 60_001)).toBe(2);
      const row = await db.kysely
        .selectFrom("rate_limits")
        .selectAll()
        .where("key", "=", "login:1.2.3.4")
        .executeTakeFirst();
      expect(row).toEqual({ key: "login:1.2.3.4", window_start: t + 60_000, count: 2 });
      await expect(db.transaction((tx) => hitRateLimit(tx, "k", 0, t))).rejects.toThrow(RangeError);
      expect(await db.transaction((tx) => pruneRateLimits(tx, t + 30_000))).toBe(1);
      expect(await db.kysely.selectFrom("rate_limits").select("key").execute()).toEqual([
        { key: "login:1.2.3.4" },
      ]);
    });

    it("counts every one of concurrent hits", async () => {
      const db = await h.db();
      const counts = await Promise.all(
        Array.from({ length: 20 }, () => db.transaction((tx) => hitRateLimit(tx, "k", 60_000, 1_000))),
      );
      expect(counts.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    });
  });
}
