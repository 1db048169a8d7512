/**
 * The shared suite on SQLite, plus what only SQLite has: the files on disk, the pragmas that
 * make commits durable, and waiting for another process's write lock without blocking.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "./open.js";
import { repoSuite } from "./repo.suite.js";
import { getRevision, nextRevision } from "./repo-meta.js";

const root = await mkdtemp(join(tmpdir(), "hubwire-db-"));
afterAll(() => rm(root, { recursive: true, force: true }));
let counter = 0;
const freshDir = () => join(root, `d${++counter}`, "data");

describe("controller/db on SQLite", () => {
  repoSuite(async () => {
    const dataDir = freshDir();
    return () => openDatabase({ dataDir });
  });

  it("creates a private data directory and database file, durable and checked", async () => {
    const dataDir = freshDir();
    const db = await openDatabase({ dataDir });
    try {
      expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
      expect((await stat(join(dataDir, "hubwire.db"))).mode & 0o777).toBe(0o600);
      const pragma = async (name: string) => {
        const { rows } = await sql.raw(`pragma ${name}`).execute(db.kysely);
        return Object.values(rows[0] as object)[0];
      };
      expect(await pragma("journal_mode")).toBe("wal");
      expect(await pragma("synchronous")).toBe(2); // FULL
      expect(await pragma("foreign_keys")).toBe(1);
      expect(await pragma("busy_timeout")).toBe(5000);
      await db.transaction((tx) => nextRevision(tx));
    } finally {
      await db.close();
      await db.close(); // idempotent
    }
    const again = await openDatabase({ dataDir });
    expect(await again.transaction((tx) => getRevision(tx))).toBe(1);
    await again.close();
  });

  it("waits for another process's write lock without blocking the event loop", async () => {
    const dataDir = freshDir();
    const db = await openDatabase({ dataDir });
    // A second process (plain better-sqlite3) takes the write lock and holds it for 400 ms.
    const holder = `
      const db = new (require("better-sqlite3"))(process.argv[1]);
      db.exec("begin immediate");
      db.prepare("insert into meta (key, value) values ('revision', '41')").run();
      process.stdout.write("locked\\n");
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 400);
      db.exec("commit");
    `;
    const child = execFile(process.execPath, ["-e", holder, join(dataDir, "hubwire.db")], {
      cwd: process.cwd(),
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on("data", (chunk: Buffer) => chunk.toString().includes("locked") && resolve());
      child.on("exit", (code) => reject(new Error(`holder exited early (${code})`)));
    });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    const started = Date.now();
    try {
      // The holder's uncommitted 41 is invisible; once it commits we must read it and write 42.
      expect(await db.transaction((tx) => nextRevision(tx))).toBe(42);
    } finally {
      clearInterval(timer);
    }
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThan(200);
    expect(ticks).toBeGreaterThan(waited / 10 / 3);
    expect(await exited).toBe(0);
    await db.close();
  });

  it("keeps its single connection for one transaction at a time", async () => {
    const db = await openDatabase({ dataDir: freshDir() });
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        db.transaction(async (tx) => {
          most = Math.max(most, ++inside);
          await sleep(1);
          await nextRevision(tx);
          inside--;
        }),
      ),
    );
    expect(most).toBe(1);
    await db.close();
  });
});
