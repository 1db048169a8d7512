/** `hubwire backup` and `hubwire restore` against controllers listening on loopback. */
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "../../cli/testing/run-cli.js";
import { tempDirs } from "../../testing/temp-dirs.js";
import { openDatabase } from "../db/open.js";
import { auth, controllers, seed, type TestController } from "./backup.suite.js";
import { inspectBackup } from "./inspect.js";

const tempDir = tempDirs("hubwire-backup-cli-");
const saved = { controller: process.env.HUBWIRE_CONTROLLER, token: process.env.HUBWIRE_TOKEN };
afterEach(() => {
  for (const [k, v] of [
    ["HUBWIRE_CONTROLLER", saved.controller],
    ["HUBWIRE_TOKEN", saved.token],
  ] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

const controller = controllers(async () => openDatabase({ dataDir: await tempDir() }));

/** Points the CLI at `c` (listening on a free loopback port) with its admin token. */
async function use(c: TestController, token = c.token): Promise<void> {
  if (!c.app.server.listening) await c.app.listen({ host: "127.0.0.1", port: 0 });
  const address = c.app.server.address() as { port: number };
  process.env.HUBWIRE_CONTROLLER = `http://127.0.0.1:${address.port}`;
  process.env.HUBWIRE_TOKEN = token;
}

const run = (...args: string[]) => runCli(args);

/** A seeded controller the CLI is pointed at, and a scratch directory. */
async function seededSource(): Promise<{ source: TestController; dir: string }> {
  const source = await controller();
  await seed(source);
  await use(source);
  return { source, dir: await tempDir() };
}

describe("hubwire backup / restore", () => {
  it("downloads, verifies and restores either format", async () => {
    const { source, dir } = await seededSource();
    for (const format of ["sqlite", "jsonl"] as const) {
      const out = join(dir, `b.${format}`);
      const backup = await run("backup", "-o", out, "--format", format);
      expect(backup, backup.err).toMatchObject({ code: 0 });
      expect(backup.out).toMatch(new RegExp(`wrote .*: ${format} backup, .* verified`));
      expect((await stat(out)).mode & 0o777).toBe(0o600);
      expect((await inspectBackup(out)).format).toBe(format);

      const target = await controller();
      await use(target);
      const restored = await run("restore", out);
      expect(restored, restored.err).toMatchObject({ code: 0 });
      expect(restored.out).toMatch(
        new RegExp(`restored .* \\(${format} backup.*\\): \\d+ rows in \\d+ tables; revision 2`),
      );
      const hub = await target.app.inject({
        method: "GET",
        url: "/api/v1/nodes/hub-1",
        headers: auth(source.token),
      });
      expect(hub.statusCode).toBe(200);
      await use(source);
    }
  });

  it("seals a backup with --backup-key-file and restores it only with the same key, unaltered", async () => {
    const { source, dir } = await seededSource();
    const keyFile = join(dir, "backup.key");
    await writeFile(keyFile, "operator-held-backup-key-0123456789abcdef\n", { mode: 0o600 });
    const otherKey = join(dir, "other.key");
    await writeFile(otherKey, "another-operator-key-0123456789abcdefgh\n", { mode: 0o600 });
    for (const format of ["sqlite", "jsonl"] as const) {
      const out = join(dir, `sealed.${format}`);
      const backup = await run("backup", "-o", out, "--format", format, "--backup-key-file", keyFile);
      expect(backup, backup.err).toMatchObject({ code: 0 });
      expect(backup.out).toMatch(/verified, sealed/);
      expect((await readFile(out)).subarray(-93).toString("latin1")).toMatch(
        /^\nhubwire-backup-hmac-sha256:[0-9a-f]{64}\n$/,
      );

      const target = await controller();
      await use(target);
      const wrong = await run("restore", out, "--backup-key-file", otherKey);
      expect(wrong.code).not.toBe(0);
      expect(wrong.err).toMatch(/HMAC does not match/);
      // One byte changed inside the backup: refused before anything is sent.
      const bytes = await readFile(out);
      bytes[200] = bytes[200]! ^ 1;
      const tampered = join(dir, `tampered.${format}`);
      await writeFile(tampered, bytes);
      const refused = await run("restore", tampered, "--backup-key-file", keyFile);
      expect(refused.code).not.toBe(0);
      expect(refused.err).toMatch(/HMAC does not match/);
      const restored = await run("restore", out, "--backup-key-file", keyFile);
      expect(restored, restored.err).toMatchObject({ code: 0 });
      await use(source);
    }
  });

  it("reports a bad file, a refused restore and an unwritable output clearly", async () => {
    const { source: c, dir } = await seededSource();
    const garbage = join(dir, "garbage");
    await writeFile(garbage, "hello\n");
    expect(await run("restore", garbage)).toMatchObject({
      code: 2,
      err: expect.stringMatching(/not a hubwire backup/),
    });

    const good = join(dir, "good.jsonl");
    expect((await run("backup", "-o", good, "--format", "jsonl")).code).toBe(0);
    const text = await readFile(good, "utf8");
    const cut = join(dir, "cut.jsonl");
    await writeFile(cut, text.slice(0, text.length - 30));
    const refused = await run("restore", cut);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/POST \/api\/v1\/restore: .*truncated.*\[bad-request\]/);

    const nowhere = await run("backup", "-o", join(dir, "missing", "b.sqlite"));
    expect(nowhere.code).toBe(3);
    expect(nowhere.err).toMatch(/cannot write/);

    await use(c, "hwt_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    const denied = await run("backup", "-o", join(dir, "x"));
    // Refused credentials exit as "denied" (4), not as a usage error.
    expect(denied).toMatchObject({ code: 4, err: expect.stringMatching(/unauthenticated/) });
  });
});
