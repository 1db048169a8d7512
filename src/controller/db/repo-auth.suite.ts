/** Shared tests of repo-users.ts, repo-sessions.ts and repo-tokens.ts, run against every dialect. */
import { describe, expect, it } from "vitest";
import type { Db } from "./open.js";
import {
  createSession,
  deleteExpiredSessions,
  deleteSession,
  deleteSessionsForUser,
  getSession,
  touchSession,
} from "./repo-sessions.js";
import { createToken, getToken, listTokens, revokeToken, touchToken } from "./repo-tokens.js";
import {
  countAdmins,
  createFirstAdminIfNone,
  createUser,
  deleteUser,
  getUserById,
  getUserByName,
  listUsers,
  updateUser,
} from "./repo-users.js";
import type { Harness } from "./suite-harness.js";

const T0 = "2026-01-01T00:00:00.000Z";
const T1 = "2026-01-01T01:00:00.000Z";
const T2 = "2026-01-01T02:00:00.000Z";

const alice = { name: "alice", role: "admin", password_hash: "$argon2id$alice", language: "en" };

async function adminCount(db: Db): Promise<number> {
  const users = await db.transaction((tx) => listUsers(tx));
  return users.filter((u) => u.role === "admin").length;
}

export function repoAuthSuite(h: Harness): void {
  describe("users", () => {
    it("creates, reads (with hash) and lists (without)", async () => {
      const db = await h.db();
      const created = await db.transaction((tx) => createUser(tx, { ...alice, created_at: T0 }));
      expect(created).toEqual({
        id: expect.any(String),
        name: "alice",
        role: "admin",
        disabled: false,
        language: "en",
        created_at: T0,
        updated_at: T0,
      });
      expect(created).not.toHaveProperty("password_hash");
      await db.transaction((tx) =>
        createUser(tx, {
          ...{ id: "u-bob", name: "bob", role: "viewer", password_hash: "h", language: "zh", disabled: true },
          created_at: T0,
        }),
      );
      expect(await db.transaction((tx) => getUserByName(tx, "alice"))).toEqual({
        ...created,
        password_hash: "$argon2id$alice",
      });
      expect(await db.transaction((tx) => getUserById(tx, "u-bob"))).toMatchObject({
        name: "bob",
        disabled: true,
        language: "zh",
      });
      expect(await db.transaction((tx) => getUserById(tx, "nope"))).toBeUndefined();
      const list = await db.transaction((tx) => listUsers(tx));
      expect(list.map((u) => u.name)).toEqual(["alice", "bob"]);
      for (const u of list) expect(Object.keys(u)).not.toContain("password_hash");
      await expect(db.transaction((tx) => createUser(tx, { ...alice, id: "other" }))).rejects.toThrow();
    });

    it("updates given fields, deletes, and counts enabled admins", async () => {
      const db = await h.db();
      const a = await db.transaction((tx) => createUser(tx, { ...alice, created_at: T0 }));
      const b = await db.transaction((tx) => createUser(tx, { ...alice, name: "bert", created_at: T0 }));
      await db.transaction((tx) =>
        createUser(tx, { ...alice, name: "carl", role: "operator", created_at: T0 }),
      );
      expect(await db.transaction((tx) => countAdmins(tx))).toBe(2);
      const updated = await db.transaction((tx) =>
        updateUser(tx, b.id, { disabled: true, language: "zh", updated_at: T1 }),
      );
      expect(updated).toEqual({ ...b, disabled: true, language: "zh", updated_at: T1 });
      expect(await db.transaction((tx) => countAdmins(tx))).toBe(1);
      await db.transaction((tx) =>
        updateUser(tx, a.id, { role: "viewer", password_hash: "new", updated_at: T1 }),
      );
      expect(await db.transaction((tx) => getUserById(tx, a.id))).toMatchObject({
        role: "viewer",
        password_hash: "new",
        language: "en",
      });
      expect(await db.transaction((tx) => countAdmins(tx))).toBe(0);
      expect(await db.transaction((tx) => updateUser(tx, "nope", { role: "admin" }))).toBeUndefined();
      expect(await db.transaction((tx) => deleteUser(tx, a.id))).toBe(true);
      expect(await db.transaction((tx) => deleteUser(tx, a.id))).toBe(false);
      expect((await db.transaction((tx) => listUsers(tx))).map((u) => u.name)).toEqual(["bert", "carl"]);
    });

    it("bootstraps the first admin only into an empty users table", async () => {
      const db = await h.db();
      expect(
        await db.transaction((tx) =>
          createFirstAdminIfNone(tx, { ...alice, role: "viewer", disabled: true }),
        ),
      ).toBe(true);
      expect(await db.transaction((tx) => getUserByName(tx, "alice"))).toMatchObject({
        role: "admin",
        disabled: false,
      });
      expect(await db.transaction((tx) => createFirstAdminIfNone(tx, { ...alice, name: "other" }))).toBe(
        false,
      );
      expect(await adminCount(db)).toBe(1);
      const db2 = await h.db();
      await db2.transaction((tx) => createUser(tx, { ...alice, role: "viewer" }));
      expect(await db2.transaction((tx) => createFirstAdminIfNone(tx, { ...alice, name: "root" }))).toBe(
        false,
      );
      expect(await adminCount(db2)).toBe(0);
    });

    it("bootstraps exactly one admin when two replicas race", async () => {
      for (let round = 0; round < 3; round++) {
        const open = await h.fresh();
        const replicas = await Promise.all([open(), open()]);
        const results = await Promise.all(
          replicas.flatMap((db, r) =>
            [0, 1, 2].map((i) =>
              db.transaction((tx) => createFirstAdminIfNone(tx, { ...alice, name: `admin-${r}-${i}` })),
            ),
          ),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await adminCount(replicas[0]!)).toBe(1);
        expect((await replicas[1]!.transaction((tx) => listUsers(tx))).length).toBe(1);
      }
    });
  });

  describe("sessions", () => {
    it("creates, reads, touches, deletes and expires", async () => {
      const db = await h.db();
      const u = await db.transaction((tx) => createUser(tx, alice));
      const v = await db.transaction((tx) => createUser(tx, { ...alice, name: "vic" }));
      const s1 = await db.transaction((tx) =>
        createSession(tx, { id_hash: "s1", user_id: u.id, csrf_hash: "c1", expires_at: T1, created_at: T0 }),
      );
      expect(s1).toEqual({
        id_hash: "s1",
        user_id: u.id,
        csrf_hash: "c1",
        created_at: T0,
        expires_at: T1,
        last_seen_at: T0,
      });
      expect(await db.transaction((tx) => getSession(tx, "s1"))).toEqual(s1);
      expect(await db.transaction((tx) => getSession(tx, "nope"))).toBeUndefined();
      expect(await db.transaction((tx) => touchSession(tx, "s1", "2026-01-01T00:30:00.000Z"))).toBe(true);
      expect(await db.transaction((tx) => getSession(tx, "s1"))).toMatchObject({
        last_seen_at: "2026-01-01T00:30:00.000Z",
        expires_at: T1,
      });
      await db.transaction((tx) => touchSession(tx, "s1", T1, T2));
      expect(await db.transaction((tx) => getSession(tx, "s1"))).toMatchObject({
        last_seen_at: T1,
        expires_at: T2,
      });
      expect(await db.transaction((tx) => touchSession(tx, "nope", T1))).toBe(false);

      await db.transaction(async (tx) => {
        await createSession(tx, {
          id_hash: "s2",
          user_id: u.id,
          csrf_hash: "c2",
          expires_at: T1,
          created_at: T0,
        });
        await createSession(tx, {
          id_hash: "s3",
          user_id: v.id,
          csrf_hash: "c3",
          expires_at: T0,
          created_at: T0,
        });
        await createSession(tx, {
          id_hash: "s4",
          user_id: v.id,
          csrf_hash: "c4",
          expires_at: T2,
          created_at: T0,
        });
      });
      expect(await db.transaction((tx) => deleteExpiredSessions(tx, T1))).toBe(2); // s2 (at T1) and s3
      expect(await db.transaction((tx) => deleteSession(tx, "s4"))).toBe(true);
      expect(await db.transaction((tx) => deleteSession(tx, "s4"))).toBe(false);
      await db.transaction((tx) =>
        createSession(tx, { id_hash: "s5", user_id: u.id, csrf_hash: "c", expires_at: T2 }),
      );
      expect(await db.transaction((tx) => deleteSessionsForUser(tx, u.id))).toBe(2);
      expect(await db.kysely.selectFrom("sessions").select("id_hash").execute()).toEqual([]);
    });

    it("belongs to an existing user and goes when the user goes", async () => {
      const db = await h.db();
      await expect(
        db.transaction((tx) =>
          createSession(tx, { id_hash: "x", user_id: "ghost", csrf_hash: "c", expires_at: T1 }),
        ),
      ).rejects.toThrow();
      const u = await db.transaction((tx) => createUser(tx, alice));
      await db.transaction((tx) =>
        createSession(tx, { id_hash: "x", user_id: u.id, csrf_hash: "c", expires_at: T1 }),
      );
      await db.transaction((tx) => deleteUser(tx, u.id));
      expect(await db.transaction((tx) => getSession(tx, "x"))).toBeUndefined();
    });
  });

  describe("API tokens", () => {
    it("never lists secret hashes; revokes once; records use", async () => {
      const db = await h.db();
      const t1 = await db.transaction((tx) =>
        createToken(tx, {
          ...{ id: "t1", name: "ci", secret_hash: "sh1", role: "operator", created_by: "user:alice" },
          created_at: T0,
        }),
      );
      expect(t1).toEqual({
        id: "t1",
        name: "ci",
        role: "operator",
        created_by: "user:alice",
        created_at: T0,
        expires_at: null,
        revoked_at: null,
        last_used_at: null,
      });
      const t2 = await db.transaction((tx) =>
        createToken(tx, {
          ...{ name: "backup", secret_hash: "sh2", role: "viewer", created_by: "user:alice", expires_at: T2 },
          created_at: T1,
        }),
      );
      expect(t2.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(await db.transaction((tx) => getToken(tx, "t1"))).toEqual({ ...t1, secret_hash: "sh1" });
      expect(await db.transaction((tx) => getToken(tx, "nope"))).toBeUndefined();
      const list = await db.transaction((tx) => listTokens(tx));
      expect(list).toEqual([t1, t2]);
      for (const t of list) expect(t).not.toHaveProperty("secret_hash");

      expect(await db.transaction((tx) => revokeToken(tx, "t1", T1))).toBe(true);
      expect(await db.transaction((tx) => revokeToken(tx, "t1", T2))).toBe(false);
      expect(await db.transaction((tx) => revokeToken(tx, "nope"))).toBe(false);
      expect(await db.transaction((tx) => touchToken(tx, t2.id, T2))).toBe(true);
      expect(await db.transaction((tx) => touchToken(tx, "nope", T2))).toBe(false);
      const after = await db.transaction((tx) => listTokens(tx));
      expect(after).toEqual([
        { ...t1, revoked_at: T1 },
        { ...t2, last_used_at: T2 },
      ]);
    });
  });
}
