/** Shared API tests of users and sessions, run on every dialect by api.suite.ts. */
import { describe, expect, it } from "vitest";
import { SESSION_COOKIE } from "../auth/authenticate.js";
import type { Controller, Credential, MakeController } from "../testing/api-harness.js";
import { ADMIN_NAME, ADMIN_PASSWORD, NO_CREDENTIALS, sessionCookieOf } from "../testing/api-harness.js";
import { expectBareError, expectError, expectOk, answerShape as shape } from "../testing/expect-api.js";

const PASSWORD = "correct horse battery staple";

const me = (c: Controller, cred: Credential) => c.call(cred, "GET", "/api/v1/me");

export function usersApiSuite(make: MakeController): void {
  describe("users API", () => {
    it("creates and lists users without secrets; refuses duplicates and weak passwords", async () => {
      const c = await make();
      await c.createUser("olga", "operator", PASSWORD);
      const list = await c.call(c.admin, "GET", "/api/v1/users");
      expectOk(list);
      expect(list.json()).toEqual({
        items: [
          { name: "admin", role: "admin", disabled: false, language: "en", createdAt: expect.any(String) },
          { name: "olga", role: "operator", disabled: false, language: "en", createdAt: expect.any(String) },
        ],
      });
      expect(list.body).not.toContain("$argon2");
      expect(list.body).not.toContain(PASSWORD);
      const olga = await c.login("olga", PASSWORD);
      expect(olga.response.json()).toMatchObject({ name: "olga", role: "operator", language: "en" });
      expect((await me(c, olga.credential)).json()).toEqual({
        actor: "user:olga",
        role: "operator",
        language: "en",
      });

      const users = "/api/v1/users";
      expectError(
        await c.call(c.admin, "POST", users, { body: { name: "olga", role: "viewer", password: PASSWORD } }),
        "already-exists",
      );
      expectError(
        await c.call(c.admin, "POST", users, { body: { name: "vic", role: "viewer", password: "short" } }),
        "bad-request",
      );
      expectError(
        await c.call(c.admin, "POST", users, { body: { name: "Vic!", role: "viewer", password: PASSWORD } }),
        "bad-request",
      );
      expectError(
        await c.call(c.admin, "POST", users, { body: { name: "vic", role: "root", password: PASSWORD } }),
        "bad-request",
      );
      expectError(
        await c.call(c.admin, "PATCH", `${users}/nobody`, { body: { language: "zh-CN" } }),
        "not-found",
      );
      expectError(await c.call(c.admin, "DELETE", `${users}/nobody`), "not-found");

      expectOk(await c.call(olga.credential, "PATCH", "/api/v1/me", { body: { language: "zh-CN" } }), 204);
      expect((await me(c, olga.credential)).json()).toMatchObject({ language: "zh-CN" });
      expectError(
        await c.call(c.tokens.admin.credential, "PATCH", "/api/v1/me", { body: { language: "zh-CN" } }),
        "bad-request",
      );
      expect((await me(c, c.tokens.operator.credential)).json()).toEqual({
        actor: "token:ci-operator",
        role: "operator",
      });
    });

    it("disabling a user ends their sessions server-side at once, and they cannot sign in", async () => {
      const c = await make();
      await c.createUser("bob", "operator", PASSWORD);
      const bob = await c.login("bob", PASSWORD);
      const bob2 = await c.login("bob", PASSWORD);
      expectOk(await me(c, bob.credential));
      const disabled = await c.call(c.admin, "PATCH", "/api/v1/users/bob", { body: { disabled: true } });
      expectOk(disabled);
      expect(disabled.json()).toMatchObject({ name: "bob", disabled: true });
      expectBareError(await me(c, bob.credential), "unauthenticated");
      expectBareError(await me(c, bob2.credential), "unauthenticated");
      const retry = await c.call(NO_CREDENTIALS, "POST", "/api/v1/login", {
        body: { name: "bob", password: PASSWORD },
      });
      expectBareError(retry, "unauthenticated");
      expect(sessionCookieOf(retry)).toBeUndefined();

      expectOk(await c.call(c.admin, "PATCH", "/api/v1/users/bob", { body: { disabled: false } }));
      expectBareError(await me(c, bob.credential), "unauthenticated");
      expectOk(await me(c, (await c.login("bob", PASSWORD)).credential));
    });

    it("a password or role change, or deleting the user, ends their sessions", async () => {
      const c = await make();
      await c.createUser("carol", "operator", PASSWORD);
      let carol = await c.login("carol", PASSWORD);
      expectOk(await c.call(c.admin, "PATCH", "/api/v1/users/carol", { body: { password: `${PASSWORD}!` } }));
      expectBareError(await me(c, carol.credential), "unauthenticated");
      carol = await c.login("carol", `${PASSWORD}!`);
      expectOk(await c.call(c.admin, "PATCH", "/api/v1/users/carol", { body: { role: "viewer" } }));
      expectBareError(await me(c, carol.credential), "unauthenticated");
      carol = await c.login("carol", `${PASSWORD}!`);
      expect((await me(c, carol.credential)).json()).toMatchObject({ role: "viewer" });
      expectOk(await c.call(c.admin, "PATCH", "/api/v1/users/carol", { body: { language: "zh-CN" } }));
      expectOk(await me(c, carol.credential));
      expectOk(await c.call(c.admin, "DELETE", "/api/v1/users/carol"), 204);
      expectBareError(await me(c, carol.credential), "unauthenticated");
      const audit = (await c.call(c.admin, "GET", "/api/v1/audit?kind=User&name=carol")).json() as {
        items: Array<{ action: string; actor: string; before: object | null; after: object | null }>;
      };
      expect(audit.items.map((e) => e.action)).toEqual([
        "delete",
        "update",
        "update",
        "update-password",
        "create",
      ]);
      expect(audit.items.every((e) => e.actor === "user:admin")).toBe(true);
      expect(audit.items[0]).toMatchObject({ before: { name: "carol", role: "viewer" }, after: null });
      expect(audit.items[2]).toMatchObject({ before: { role: "operator" }, after: { role: "viewer" } });
    });

    it("never lets the last enabled admin be disabled, demoted or deleted", async () => {
      const c = await make();
      const last = "/api/v1/users/admin";
      expectError(await c.call(c.admin, "PATCH", last, { body: { disabled: true } }), "conflict");
      expectError(await c.call(c.admin, "PATCH", last, { body: { role: "operator" } }), "conflict");
      expectError(await c.call(c.tokens.admin.credential, "DELETE", last), "conflict");
      expectOk(await me(c, c.admin));

      // A disabled second admin does not count.
      await c.createUser("dora", "admin", PASSWORD);
      expectOk(await c.call(c.admin, "PATCH", "/api/v1/users/dora", { body: { disabled: true } }));
      expectError(await c.call(c.admin, "DELETE", last), "conflict");
      expectOk(await c.call(c.admin, "PATCH", "/api/v1/users/dora", { body: { disabled: false } }));

      // With two, one may go; then the other is the last.
      const dora = await c.login("dora", PASSWORD);
      expectOk(await c.call(dora.credential, "PATCH", last, { body: { disabled: true } }));
      expectBareError(await me(c, c.admin), "unauthenticated");
      expectError(
        await c.call(dora.credential, "PATCH", "/api/v1/users/dora", { body: { role: "viewer" } }),
        "conflict",
      );
      expectError(await c.call(dora.credential, "DELETE", "/api/v1/users/dora"), "conflict");
      expectOk(await c.call(dora.credential, "DELETE", last), 204);
      expect((await c.call(dora.credential, "GET", "/api/v1/users")).json()).toMatchObject({
        items: [{ name: "dora", role: "admin", disabled: false }],
      });
    });

    it("two admins disabling each other at once leave one enabled admin", async () => {
      const c = await make();
      await c.createUser("erin", "admin", PASSWORD);
      const answers = await Promise.all([
        c.call(c.tokens.admin.credential, "PATCH", "/api/v1/users/admin", { body: { disabled: true } }),
        c.call(c.tokens.admin.credential, "PATCH", "/api/v1/users/erin", { body: { disabled: true } }),
      ]);
      expect(answers.map((r) => r.statusCode).sort()).toEqual([200, 409]);
      // The admin token was made by user admin: if admin was disabled, it was revoked with them.
      const remaining =
        answers[0]!.statusCode === 200
          ? await c.login("erin", PASSWORD)
          : await c.login(ADMIN_NAME, ADMIN_PASSWORD);
      const users = (await c.call(remaining.credential, "GET", "/api/v1/users")).json() as {
        items: Array<{ disabled: boolean }>;
      };
      expect(users.items.filter((u) => !u.disabled)).toHaveLength(1);
    });
  });

  describe("sessions", () => {
    it("sets a Secure HttpOnly SameSite=Strict host cookie; logout ends the session server-side", async () => {
      const c = await make();
      const { credential, response } = await c.login(ADMIN_NAME, ADMIN_PASSWORD);
      const cookie = String(response.headers["set-cookie"]);
      expect(cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=[A-Za-z0-9_-]{43}; `));
      for (const attribute of ["Path=/", "Secure", "HttpOnly", "SameSite=Strict", "Max-Age=43200"]) {
        expect(cookie.split("; ")).toContain(attribute);
      }
      expectOk(await me(c, credential));
      expectBareError(await c.call(credential, "POST", "/api/v1/logout", { csrf: false }), "csrf-failed");
      const out = await c.call(credential, "POST", "/api/v1/logout");
      expectOk(out, 204);
      expect(String(out.headers["set-cookie"])).toMatch(new RegExp(`^${SESSION_COOKIE}=; .*Max-Age=0`));
      // The cookie, replayed after logout, is worthless: the session is gone from the database.
      expectBareError(await me(c, credential), "unauthenticated");
      expectBareError(await c.call(credential, "POST", "/api/v1/logout"), "unauthenticated");
      // Other sessions of the same user live on.
      expectOk(await me(c, c.admin));
      expectOk(await c.call(c.tokens.viewer.credential, "POST", "/api/v1/logout"), 204);
      expectOk(await me(c, c.tokens.viewer.credential));
    });

    it("expires sessions after 12 hours", async () => {
      const c = await make();
      c.clock.advance(12 * 3600_000 - 1000);
      expectOk(await me(c, c.admin));
      c.clock.advance(1000);
      expectBareError(await me(c, c.admin), "unauthenticated");
    });

    it("a wrong password, an unknown user and a disabled user get the same answer", async () => {
      const c = await make();
      await c.createUser("fred", "viewer", PASSWORD);
      await c.createUser("gina", "viewer", PASSWORD);
      expectOk(await c.call(c.admin, "PATCH", "/api/v1/users/gina", { body: { disabled: true } }));
      const attempt = (name: string, password: string, remoteAddress: string) =>
        c.call(NO_CREDENTIALS, "POST", "/api/v1/login", { body: { name, password }, remoteAddress });
      const answers = [
        await attempt("fred", "wrong password!", "192.0.2.1"),
        await attempt("nobody", PASSWORD, "192.0.2.2"),
        await attempt("gina", PASSWORD, "192.0.2.3"),
        await attempt("NOT A NAME", PASSWORD, "192.0.2.4"),
      ];
      for (const a of answers) expectBareError(a, "unauthenticated");
      expect(new Set(answers.map((a) => JSON.stringify(shape(a)))).size).toBe(1);
      const failed = (await c.call(c.admin, "GET", "/api/v1/audit?action=login-failed")).json() as {
        items: Array<{ actor: string; source: string }>;
      };
      expect(failed.items.map((e) => [e.actor, e.source])).toEqual([
        ["anonymous", "192.0.2.4"],
        ["user:gina", "192.0.2.3"],
        ["anonymous", "192.0.2.2"],
        ["user:fred", "192.0.2.1"],
      ]);
    });
  });
}
