/**
 * A restore keeps the audit trail (audit-merge.ts), shared by the SQLite and PostgreSQL backup
 * tests: what happened before the restore — after the backup was taken included — stays in the
 * log with its ids, a backup of the same controller adds no duplicates, a backup restored into
 * another controller brings its history along, and the restore's entry names the backup.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { spokeNode } from "../../testing/topology.js";
import {
  auth,
  backupOf,
  controllers,
  type OpenFresh,
  restore,
  seed,
  shareToken,
  type TestController,
} from "./backup.suite.js";

interface Entry {
  id: number;
  action: string;
  kind: string | null;
  name: string | null;
  revision: number | null;
  after: Record<string, unknown> | null;
}

async function auditLog(c: TestController, token = c.token): Promise<Entry[]> {
  const res = await c.app.inject({ method: "GET", url: "/api/v1/audit?limit=1000", headers: auth(token) });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ items: Entry[] }>().items.reverse();
}

async function addSpoke(c: TestController, i: number, token = c.token): Promise<void> {
  const res = await c.app.inject({
    method: "POST",
    url: "/api/v1/nodes",
    headers: auth(token),
    payload: spokeNode(i, 2),
  });
  expect(res.statusCode, res.body).toBe(201);
}

const summary = (e: Entry) => `${e.action} ${e.kind ?? ""}/${e.name ?? ""}`;

export function backupAuditSuite(openFresh: OpenFresh): void {
  const controller = controllers(openFresh);
  describe("restore and the audit log", () => {
    it("keeps every entry made before the restore, after the backup included, and adds none twice", async () => {
      const c = await controller();
      await seed(c);
      await addSpoke(c, 1);
      const backup = await backupOf(c);
      // After the backup: a change the restore undoes, but whose record must survive it.
      await addSpoke(c, 2);
      const before = await auditLog(c);
      expect(before.map(summary)).toContain("create Node/spoke-2");

      const res = await restore(c, backup, "application/x-ndjson");
      expect(res.statusCode, res.body).toBe(200);
      const after = await auditLog(c);
      // The log as it was, ids and all, then the restore's own entry: the backup's entries are
      // this log's own past, so nothing is appended twice.
      expect(after.slice(0, before.length)).toEqual(before);
      expect(after.slice(before.length).map((e) => e.action)).toEqual(["restore"]);
      const entry = after.at(-1)!;
      expect(entry.after).toMatchObject({
        format: "jsonl",
        sha256: createHash("sha256").update(backup).digest("hex"),
        audit: { kept: before.length, appended: 0, alreadyHeld: before.length - 1 },
      });
      expect(entry.revision).toBe(res.json<{ revision: number }>().revision);
      // The intent is the backup's: spoke-2 is gone, yet its creation is still on record.
      const gone = await c.app.inject({
        method: "GET",
        url: "/api/v1/nodes/spoke-2",
        headers: auth(c.token),
      });
      expect(gone.statusCode).toBe(404);

      // Restoring the same backup again still appends nothing but the restore.
      expect((await restore(c, backup, "application/x-ndjson")).statusCode).toBe(200);
      const again = await auditLog(c);
      expect(again.slice(0, after.length)).toEqual(after);
      expect(again.slice(after.length).map((e) => e.action)).toEqual(["restore"]);
    });

    it("into another controller: its own history stays first, the backup's is appended, then the restore", async () => {
      const source = await controller();
      await seed(source);
      await addSpoke(source, 1);
      const sourceLog = await auditLog(source);
      const backup = await backupOf(source);

      const target = await controller();
      await shareToken(source, target);
      await seed(target);
      await addSpoke(target, 7);
      const targetLog = await auditLog(target);
      const res = await restore(target, backup, "application/x-ndjson");
      expect(res.statusCode, res.body).toBe(200);
      // The target now has the source's tokens.
      const merged = await auditLog(target, source.token);
      expect(merged.slice(0, targetLog.length)).toEqual(targetLog);
      const appended = merged.slice(targetLog.length, -1);
      // The source's log as the backup held it (its backup entry included), with new ids.
      expect(appended.map(summary)).toEqual(
        [...sourceLog, { action: "backup", kind: null, name: null }].map((e) => summary(e as Entry)),
      );
      expect(appended.map((e) => e.revision)).toEqual([...sourceLog.map((e) => e.revision), null]);
      expect(Math.min(...appended.map((e) => e.id))).toBeGreaterThan(Math.max(...targetLog.map((e) => e.id)));
      expect(merged.at(-1)).toMatchObject({
        action: "restore",
        after: { audit: { kept: targetLog.length, appended: sourceLog.length + 1, alreadyHeld: 0 } },
      });
    });
  });
}
