/**
 * Backup and restore on PostgreSQL (skipped loudly without a server, failed under CI), and
 * between SQLite and PostgreSQL through JSON lines.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { withPostgres } from "../../testing/postgres.js";
import { openDatabase } from "../db/open.js";
import {
  auth,
  backupOf,
  backupUnderLoad,
  controllers,
  dump,
  restore,
  seed,
  shareToken,
  startWriters,
  until,
} from "./backup.suite.js";
import { backupAuditSuite } from "./backup-audit.suite.js";
import { backupAuthenticitySuite } from "./backup-auth.suite.js";

const TITLE = "backup and restore on PostgreSQL";
const pg = await withPostgres(TITLE);

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe.skipIf(pg === undefined)(TITLE, () => {
  const postgres = controllers(async () =>
    openDatabase({ databaseUrl: await pg!.freshDatabase(), dataDir: "/nonexistent/hubwire-unused" }),
  );
  const sqlite = controllers(async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "hubwire-backup-test-"));
    dirs.push(dataDir);
    return openDatabase({ dataDir });
  });

  it("a jsonl backup taken under 20 concurrent writers restores every acknowledged write", async () => {
    const source = await postgres();
    const backup = await backupUnderLoad(source, await postgres(), "jsonl");
    const header = JSON.parse(backup.toString("utf8").split("\n", 1)[0]!);
    expect(header).toMatchObject({ format: "hubwire-backup", version: 1, dialect: "postgres" });
  });

  it("a sqlite backup of PostgreSQL under load restores into SQLite", async () => {
    await backupUnderLoad(await postgres(), await sqlite(), "sqlite");
  });

  it("moves between SQLite and PostgreSQL through JSON lines, both ways, to the same contents", async () => {
    const skip = ["audit_log", "meta"];
    const fromSqlite = await sqlite();
    await seed(fromSqlite);
    const intoPg = await postgres();
    const res = await restore(intoPg, await backupOf(fromSqlite, "jsonl"), "application/x-ndjson");
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ format: "jsonl", sourceDialect: "sqlite" });
    expect(await dump(intoPg.db, skip)).toEqual(await dump(fromSqlite.db, skip));

    const back = await sqlite();
    // intoPg now has fromSqlite's users and tokens.
    const res2 = await intoPg.app.inject({
      method: "GET",
      url: "/api/v1/backup?format=jsonl",
      headers: auth(fromSqlite.token),
    });
    expect(res2.statusCode, res2.body).toBe(200);
    const again = await restore(back, res2.rawPayload, "application/x-ndjson");
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toMatchObject({ format: "jsonl", sourceDialect: "postgres" });
    expect(await dump(back.db, skip)).toEqual(await dump(fromSqlite.db, skip));
    // The audit log came along too (each restore adds its own entry).
    const audit = await dump(back.db);
    expect(audit.audit_log!.length).toBe((await dump(fromSqlite.db)).audit_log!.length + 3);
  });

  it("a restore under concurrent writers: they wait for it, then carry on with the restored database", async () => {
    const source = await postgres();
    await seed(source);
    const target = await postgres();
    await seed(target);
    // The writers' token is in the backup too, so it keeps working after the restore.
    await shareToken(target, source);
    const backup = await backupOf(source, "jsonl");
    const writers = startWriters(target, 5, 1000);
    try {
      await until(() => writers.acked() >= 10);
      const res = await restore(target, backup, "application/x-ndjson");
      expect(res.statusCode, res.body).toBe(200);
      const restoredAt = performance.now();
      const acked = writers.acked();
      await until(() => writers.acked() >= acked + 10);
      await writers.stop();
      // Everything started after the restore answered is there, and so is the backup's intent.
      const later = writers.writes
        .filter((w) => w.kind === "Node" && w.startedAt > restoredAt)
        .map((w) => w.name);
      expect(later.length).toBeGreaterThan(0);
      const all = await target.app.inject({
        method: "GET",
        url: "/api/v1/nodes?limit=1000",
        headers: auth(target.token),
      });
      const names = new Set(
        all.json<{ items: Array<{ metadata: { name: string } }> }>().items.map((n) => n.metadata.name),
      );
      for (const n of [...later, "hub-0", "hub-1"]) expect(names.has(n)).toBe(true);
    } finally {
      await writers.stop();
    }
  });

  it("a truncated or newer backup changes nothing", async () => {
    const source = await postgres();
    await seed(source);
    const text = (await backupOf(source, "jsonl")).toString("utf8");
    const c = await postgres();
    await seed(c);
    const before = await dump(c.db);
    const cut = await restore(c, Buffer.from(text.slice(0, text.length - 40)), "application/x-ndjson");
    expect(cut.statusCode, cut.body).toBe(400);
    expect(cut.json<{ error: { message: string } }>().error.message).toMatch(/truncated|not valid JSON/);
    const newer = await restore(
      c,
      Buffer.from(text.replace(/("migrations":\[[^\]]*)\]/, '$1,"9999_future"]')),
      "application/x-ndjson",
    );
    expect(newer.statusCode, newer.body).toBe(422);
    expect(await dump(c.db)).toEqual(before);
  });
  backupAuthenticitySuite(async () =>
    openDatabase({ databaseUrl: await pg!.freshDatabase(), dataDir: "/nonexistent/hubwire-unused" }),
  );
  backupAuditSuite(async () =>
    openDatabase({ databaseUrl: await pg!.freshDatabase(), dataDir: "/nonexistent/hubwire-unused" }),
  );
});
