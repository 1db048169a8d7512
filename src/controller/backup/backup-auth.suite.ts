/**
 * Backup authenticity (issue 13), shared by the SQLite and PostgreSQL backup tests: restored rows
 * are checked with the API's own schemas, and a controller with a backup key seals its backups
 * and restores only backups whose seal matches — an edited backup with a recomputed SHA-256 end
 * line included.
 */
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  auth,
  backupOf,
  controllers,
  dump,
  type OpenFresh,
  resign,
  restore,
  type TestController,
} from "./backup.suite.js";
import { SEAL_LENGTH } from "./sealed.js";

const KEY = Buffer.from("operator-held-backup-key-0123456789abcdef");

async function jsonlBackup(c: TestController): Promise<string> {
  return (await backupOf(c)).toString("utf8");
}

/** A viewer `vic`, made through the API. */
async function withViewer(c: TestController): Promise<void> {
  const res = await c.app.inject({
    method: "POST",
    url: "/api/v1/users",
    headers: auth(c.token),
    payload: { name: "vic", role: "viewer", password: "vic-password-0123456" },
  });
  expect(res.statusCode, res.body).toBe(201);
}

/** `text` with user vic's role (a JSON-lines row) set to `role`. */
function promote(text: string, role: string): string {
  const edited = text.replace(/^(\["[^"]+","vic",)"viewer"/m, `$1"${role}"`);
  expect(edited).not.toBe(text);
  return edited;
}

export function backupAuthenticitySuite(openFresh: OpenFresh): void {
  const plain = controllers(openFresh);
  const keyed = controllers(openFresh, { backupKey: KEY });

  describe("backup authenticity", () => {
    it("checks every restored row with the API's schemas: a role root is refused, nothing changes", async () => {
      const c = await plain();
      await withViewer(c);
      const text = await jsonlBackup(c);
      const before = await dump(c.db);
      const res = await restore(c, Buffer.from(resign(promote(text, "root"))), "application/x-ndjson");
      expect(res.statusCode, res.body).toBe(422);
      expect(res.json().error.message).toMatch(/users .* role/);
      expect(res.json().error.issues).toContainEqual(
        expect.objectContaining({ kind: "users", path: "role" }),
      );
      expect(await dump(c.db)).toEqual(before);
    });

    it("seals backups with the backup key and refuses an edited, unsealed or foreign-sealed one", async () => {
      const c = await keyed();
      await withViewer(c);
      const sealed = await jsonlBackup(c);
      expect(sealed).toMatch(/\nhubwire-backup-hmac-sha256:[0-9a-f]{64}\n$/);
      const body = sealed.slice(0, -SEAL_LENGTH);
      const seal = sealed.slice(-SEAL_LENGTH);
      const before = await dump(c.db);

      // A viewer made admin, its SHA-256 end line recomputed, the old seal kept: refused.
      const edited = `${resign(promote(body, "admin"))}${seal.slice(1)}`;
      let res = await restore(c, Buffer.from(edited), "application/x-ndjson");
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error.message).toMatch(/HMAC does not match/);
      // Without a seal: refused too.
      res = await restore(c, Buffer.from(body), "application/x-ndjson");
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error.message).toMatch(/not sealed/);
      expect(await dump(c.db)).toEqual(before);

      // Sealed with another key: refused. The untouched backup restores.
      const foreign = `${body}\nhubwire-backup-hmac-sha256:${createHmac("sha256", "another-key-of-32-characters-or-more").update(body).digest("hex")}\n`;
      res = await restore(c, Buffer.from(foreign), "application/x-ndjson");
      expect(res.statusCode, res.body).toBe(400);
      expect(await dump(c.db)).toEqual(before);
      res = await restore(c, Buffer.from(sealed), "application/x-ndjson");
      expect(res.statusCode, res.body).toBe(200);

      // A controller without a key takes a sealed backup (it cannot check the seal).
      const open = await plain();
      res = await restore(open, Buffer.from(sealed), "application/x-ndjson", open.token);
      expect(res.statusCode, res.body).toBe(200);
    });
  });
}
