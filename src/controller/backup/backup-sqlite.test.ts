/** Backup and restore on SQLite: consistent under load, and a bad file changes nothing. */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { tempDirs } from "../../testing/temp-dirs.js";
import { spokeNode } from "../../testing/topology.js";
import { MIGRATIONS } from "../db/migrations.js";
import { openDatabase } from "../db/open.js";
import {
  auth,
  backupOf,
  backupUnderLoad,
  controllers,
  dump,
  makeToken,
  resign,
  restore,
  seed,
} from "./backup.suite.js";
import { backupAuditSuite } from "./backup-audit.suite.js";
import { backupAuthenticitySuite } from "./backup-auth.suite.js";
import { inspectBackup } from "./inspect.js";

const tempDir = tempDirs("hubwire-backup-test-");

const controller = controllers(async () => openDatabase({ dataDir: await tempDir() }));

async function file(bytes: Buffer | string): Promise<string> {
  const f = join(await tempDir(), "backup");
  await writeFile(f, bytes);
  return f;
}

describe("backup and restore on SQLite", () => {
  it("a backup taken under 20 concurrent writers restores every acknowledged write (sqlite format)", async () => {
    const source = await controller();
    const target = await controller();
    const backup = await backupUnderLoad(source, target, "sqlite");
    const f = await file(backup);
    const check = new BetterSqlite3(f, { readonly: true });
    try {
      expect(check.pragma("integrity_check", { simple: true })).toBe("ok");
      expect(check.pragma("journal_mode", { simple: true })).toBe("delete");
    } finally {
      check.close();
    }
    expect((await inspectBackup(f)).format).toBe("sqlite");
  });

  it("a backup taken under 20 concurrent writers restores every acknowledged write (jsonl format)", async () => {
    const source = await controller();
    const target = await controller();
    const backup = await backupUnderLoad(source, target, "jsonl");
    const info = await inspectBackup(await file(backup));
    expect(info).toMatchObject({
      format: "jsonl",
      sourceDialect: "sqlite",
      migrations: MIGRATIONS.map((m) => m.id),
    });
  });

  it("restores to the same contents, in either format, and a backup needs an admin", async () => {
    const source = await controller();
    await seed(source);
    for (const format of ["sqlite", "jsonl"] as const) {
      const target = await controller();
      const res = await restore(target, await backupOf(source, format), "application/octet-stream");
      expect(res.statusCode, res.body).toBe(200);
      const skip = ["audit_log", "meta"];
      expect(await dump(target.db, skip)).toEqual(await dump(source.db, skip));
    }
    const viewer = await makeToken(source.db, "viewer", "viewer");
    const denied = await source.app.inject({ method: "GET", url: "/api/v1/backup", headers: auth(viewer) });
    expect(denied.statusCode).toBe(403);
    const refused = await restore(source, Buffer.from("x"), "application/octet-stream", viewer);
    expect(refused.statusCode).toBe(403);
  });

  it("moves the revision past both databases' so every replica reloads its intent", async () => {
    const source = await controller();
    await seed(source);
    const backup = await backupOf(source, "sqlite");
    const target = await controller();
    await seed(target);
    for (let i = 0; i < 5; i++) {
      const res = await target.app.inject({
        method: "POST",
        url: "/api/v1/nodes",
        headers: auth(target.token),
        payload: spokeNode(500 + i, 2),
      });
      expect(res.statusCode).toBe(201);
    }
    const res = await restore(target, backup, "application/vnd.sqlite3");
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<{ revision: number }>().revision).toBe(7);
    // The target's own spokes are gone: the intent the API serves is the backup's.
    const gone = await target.app.inject({
      method: "GET",
      url: "/api/v1/nodes/spoke-500",
      headers: auth(source.token),
    });
    expect(gone.statusCode).toBe(404);
  });

  describe("a bad backup changes nothing", () => {
    async function expectRefused(payload: Buffer | string, status: number, message: RegExp) {
      const c = await controller();
      await seed(c);
      const before = await dump(c.db);
      const res = await restore(c, Buffer.from(payload), "application/octet-stream");
      expect(res.statusCode, res.body).toBe(status);
      expect(res.json<{ error: { message: string } }>().error.message).toMatch(message);
      expect(await dump(c.db)).toEqual(before);
    }

    async function good(format: "sqlite" | "jsonl"): Promise<Buffer> {
      const c = await controller();
      await seed(c);
      return backupOf(c, format);
    }

    it("a truncated SQLite file", async () => {
      const b = await good("sqlite");
      await expectRefused(b.subarray(0, Math.floor(b.length / 2)), 400, /corrupt or truncated/);
    });

    it("a SQLite file with damaged pages", async () => {
      const b = Buffer.from(await good("sqlite"));
      // Every b-tree page header but the first page's.
      for (let i = 4096; i < b.length; i += 4096) b.fill(0xa5, i, i + 12);
      await expectRefused(b, 400, /corrupt or truncated/);
    });

    it("a SQLite database that is not hubwire's", async () => {
      const f = join(await tempDir(), "other.db");
      const other = new BetterSqlite3(f);
      other.exec("create table t (x)");
      other.close();
      await expectRefused(await readFile(f), 400, /not a hubwire database/);
    });

    it("a SQLite backup from a newer schema", async () => {
      const f = await file(await good("sqlite"));
      const edit = new BetterSqlite3(f);
      edit.prepare("insert into hubwire_migrations (id, applied_at) values ('9999_future', 'x')").run();
      edit.close();
      await expectRefused(await readFile(f), 422, /newer hubwire.*9999_future/);
    });

    it("JSON lines cut short, at a line boundary or inside a line", async () => {
      const text = (await good("jsonl")).toString("utf8");
      const lines = text.trimEnd().split("\n");
      await expectRefused(`${lines.slice(0, -1).join("\n")}\n`, 400, /truncated/);
      await expectRefused(text.slice(0, Math.floor(text.length * 0.6)), 400, /truncated|not valid JSON/);
    });

    it("JSON lines altered after the backup was taken", async () => {
      const text = (await good("jsonl")).toString("utf8");
      await expectRefused(text.replace('"hub-1"', '"hub-7"'), 400, /SHA-256 does not match/);
    });

    it("JSON lines from a newer hubwire", async () => {
      const text = (await good("jsonl")).toString("utf8");
      await expectRefused(
        resign(text.replace(/("migrations":\[[^\]]*)\]/, '$1,"9999_future"]')),
        422,
        /newer hubwire/,
      );
      await expectRefused(resign(text.replace('"version":1', '"version":2')), 422, /format version 2/);
    });

    it("JSON lines whose intent is invalid", async () => {
      const text = (await good("jsonl")).toString("utf8");
      // hub-1's network no longer exists.
      const edited = text
        .split("\n")
        .map((l) =>
          l.startsWith('["Node","hub-1"')
            ? l.replaceAll('"wan"', '"lan"').replaceAll('\\"wan\\"', '\\"lan\\"')
            : l,
        )
        .join("\n");
      expect(edited).not.toBe(text);
      const c = await controller();
      const res = await restore(c, Buffer.from(resign(edited)), "application/x-ndjson");
      expect(res.statusCode, res.body).toBe(422);
      const body = res.json<{ error: { message: string; issues: Array<{ name: string }> } }>();
      expect(body.error.message).toMatch(/intent is invalid/);
      expect(body.error.issues.some((i) => i.name === "hub-1")).toBe(true);
      // The spec alone edited: the network column no longer agrees with it.
      const specOnly = text
        .split("\n")
        .map((l) =>
          l.startsWith('["Node","hub-1"') ? l.replaceAll('\\"tier\\":\\"dc\\"', '\\"tier\\":\\"x\\"') : l,
        )
        .join("\n");
      const labels = await restore(c, Buffer.from(resign(specOnly)), "application/x-ndjson");
      expect(labels.statusCode, labels.body).toBe(422);
      expect(labels.json<{ error: { message: string } }>().error.message).toMatch(
        /resource_labels disagrees/,
      );
    });

    it("JSON lines whose rows break the schema", async () => {
      const text = (await good("jsonl")).toString("utf8");
      const lines = text.trimEnd().split("\n");
      const row = lines.findIndex((l) => l.startsWith('["Node","hub-0"'));
      lines.splice(row, 0, lines[row]!); // a duplicate primary key
      await expectRefused(resign(`${lines.join("\n")}\n`), 422, /breaks the schema/);
    });

    it("a backup that leaves nobody able to administer the controller", async () => {
      const text = (await good("jsonl")).toString("utf8");
      const lines = text.split("\n");
      const start = lines.findIndex((l) => l.startsWith('{"table":"api_tokens"'));
      const withoutTokens = lines.filter((l, i) => !(i === start + 1 && l.startsWith("[")));
      expect(withoutTokens.length).toBe(lines.length - 1);
      const end = JSON.parse(withoutTokens.at(-2)!);
      end.tables.api_tokens--;
      end.rows--;
      withoutTokens[withoutTokens.length - 2] = JSON.stringify(end);
      await expectRefused(resign(withoutTokens.join("\n")), 422, /nobody could administer/);
    });

    it("anything else", async () => {
      await expectRefused("hello, world\n", 400, /not a hubwire backup/);
      await expectRefused('{"some":"json"}\n', 400, /not a hubwire backup header/);
      await expectRefused("", 400, /empty/);
      const c = await controller();
      const json = await c.app.inject({
        method: "POST",
        url: "/api/v1/restore",
        headers: auth(c.token),
        payload: { not: "a backup" },
      });
      expect(json.statusCode).toBe(415);
    });
  });
  backupAuthenticitySuite(async () => openDatabase({ dataDir: await tempDir() }));
  backupAuditSuite(async () => openDatabase({ dataDir: await tempDir() }));
});
