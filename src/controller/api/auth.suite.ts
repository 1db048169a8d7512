/** Shared API tests of API tokens, CSRF and login rate limiting, run on every dialect by api.suite.ts. */
import { describe, expect, it } from "vitest";
import type { Credential, MakeController } from "../testing/api-harness.js";
import { ADMIN_NAME, ADMIN_PASSWORD, corpYaml, NO_CREDENTIALS } from "../testing/api-harness.js";
import { expectBareError, expectError, expectOk, answerShape as shape } from "../testing/expect-api.js";
import { KIND_CASES } from "../testing/resources.js";

const PASSWORD = "correct horse battery staple";

export function authApiSuite(make: MakeController): void {
  describe("API tokens", () => {
    it("shows the token once, lists tokens without secrets, and revocation works at once", async () => {
      const c = await make();
      const created = await c.call(c.admin, "POST", "/api/v1/tokens", {
        body: { name: "deploy", role: "operator" },
      });
      expectOk(created, 201);
      const t = created.json() as { id: string; token: string };
      expect(t).toEqual({
        id: expect.stringMatching(/^[0-9a-z]{12}$/),
        name: "deploy",
        role: "operator",
        createdBy: "user:admin",
        createdAt: expect.any(String),
        expiresAt: null,
        revokedAt: null,
        lastUsedAt: null,
        token: expect.stringMatching(new RegExp(`^hwt_${t.id}_[A-Za-z0-9_-]{43}$`)),
      });
      const secret = t.token.slice(`hwt_${t.id}_`.length);
      const bearer: Credential = { kind: "bearer", token: t.token };
      expectOk(await c.call(bearer, "POST", "/api/v1/apply", { body: corpYaml() }));

      const list = await c.call(c.tokens.admin.credential, "GET", "/api/v1/tokens");
      expectOk(list);
      const items = (list.json() as { items: Array<Record<string, unknown>> }).items;
      expect(items.map((i) => i.name).sort()).toEqual(["ci-admin", "ci-operator", "ci-viewer", "deploy"]);
      const deploy = items.find((i) => i.id === t.id)!;
      expect(Object.keys(deploy).sort()).toEqual(
        ["createdAt", "createdBy", "expiresAt", "id", "lastUsedAt", "name", "revokedAt", "role"].sort(),
      );
      expect(deploy.lastUsedAt).toEqual(expect.any(String));
      for (const r of [list, await c.call(c.admin, "GET", "/api/v1/audit?limit=1000")]) {
        expect(r.body).not.toContain(secret);
        expect(r.body).not.toContain(t.token);
      }

      expectOk(await c.call(c.admin, "DELETE", `/api/v1/tokens/${t.id}`), 204);
      expectBareError(await c.call(bearer, "GET", "/api/v1/nodes"), "unauthenticated");
      expectBareError(await c.call(bearer, "POST", "/api/v1/apply", { body: corpYaml() }), "unauthenticated");
      const revoked = (await c.call(c.admin, "GET", "/api/v1/tokens")).json() as {
        items: Array<{ id: string; revokedAt: string | null }>;
      };
      expect(revoked.items.find((i) => i.id === t.id)?.revokedAt).toEqual(expect.any(String));
      expectError(await c.call(c.admin, "DELETE", "/api/v1/tokens/000000000000"), "not-found");
      expectError(await c.call(c.admin, "DELETE", "/api/v1/tokens/NOT-AN-ID"), "bad-request");
      // Other tokens are untouched.
      expectOk(await c.call(c.tokens.operator.credential, "GET", "/api/v1/nodes"));
    });

    it("refuses an expired token, and a token with a forged secret", async () => {
      const c = await make();
      const short = await c.createToken("short", "viewer", "1h");
      const list = (await c.call(c.admin, "GET", "/api/v1/tokens")).json() as {
        items: Array<{ name: string; expiresAt: string | null }>;
      };
      expect(list.items.find((i) => i.name === "short")?.expiresAt).toBe(
        new Date(c.clock.now().getTime() + 3600_000).toISOString(),
      );
      expectOk(await c.call(short.credential, "GET", "/api/v1/nodes"));
      c.clock.advance(3600_000 - 1);
      expectOk(await c.call(short.credential, "GET", "/api/v1/nodes"));
      c.clock.advance(1);
      expectBareError(await c.call(short.credential, "GET", "/api/v1/nodes"), "unauthenticated");
      expectOk(await c.call(c.tokens.viewer.credential, "GET", "/api/v1/nodes"));

      const forged = `${c.tokens.admin.token.slice(0, -43)}${"A".repeat(42)}A`;
      expectBareError(
        await c.call({ kind: "bearer", token: forged }, "GET", "/api/v1/nodes"),
        "unauthenticated",
      );
      expectError(
        await c.call(c.admin, "POST", "/api/v1/tokens", { body: { name: "t", role: "viewer", ttl: "soon" } }),
        "bad-request",
      );
      expectError(
        await c.call(c.admin, "POST", "/api/v1/tokens", { body: { name: "t", role: "superuser" } }),
        "bad-request",
      );
    });

    it("scopes a token to its role", async () => {
      const c = await make();
      const viewer = c.tokens.viewer.credential;
      expectOk(await c.call(viewer, "GET", "/api/v1/export"));
      expectBareError(await c.call(viewer, "POST", "/api/v1/apply", { body: corpYaml() }), "forbidden");
      expectOk(await c.call(c.tokens.operator.credential, "POST", "/api/v1/apply", { body: corpYaml() }));
      expectBareError(await c.call(c.tokens.operator.credential, "GET", "/api/v1/tokens"), "forbidden");
      expectBareError(
        await c.call(c.tokens.operator.credential, "POST", "/api/v1/tokens", {
          body: { name: "x", role: "admin" },
        }),
        "forbidden",
      );
      expectOk(await c.call(c.tokens.admin.credential, "GET", "/api/v1/users"));
    });
  });

  describe("CSRF", () => {
    it("refuses cookie-authenticated changes without the session's X-CSRF-Token; bearer tokens need none", async () => {
      const c = await make();
      const other = await c.login(ADMIN_NAME, ADMIN_PASSWORD);
      const [network] = KIND_CASES;
      const changes = [
        ["POST", "/api/v1/apply", corpYaml()],
        ["POST", "/api/v1/networks", network!.create],
        ["PUT", "/api/v1/networks/lab2", network!.replace],
        ["PATCH", "/api/v1/networks/lab2", network!.patch],
        ["DELETE", "/api/v1/networks/lab2", undefined],
        ["POST", "/api/v1/users", { name: "hank", role: "viewer", password: PASSWORD }],
        ["POST", "/api/v1/tokens", { name: "x", role: "viewer" }],
        ["PATCH", "/api/v1/me", { language: "zh-CN" }],
      ] as const;
      for (const [method, url, body] of changes) {
        for (const csrf of [
          false,
          "",
          "wrong",
          other.credential.csrf,
          `${other.credential.csrf}x`,
        ] as const) {
          const r = await c.call(c.admin, method, url, { body, csrf });
          expectBareError(r, "csrf-failed");
        }
      }
      expect(await c.revision()).toBe(0);
      expect((await c.call(c.admin, "GET", "/api/v1/users")).json()).toMatchObject({
        items: [{ name: "admin" }],
      });
      // GETs need no CSRF token; the right one lets changes through; bearer tokens never need one.
      expectOk(await c.call(c.admin, "GET", "/api/v1/nodes", { csrf: false }));
      expectOk(await c.call(c.admin, "POST", "/api/v1/apply", { body: corpYaml() }));
      expectOk(await c.call(other.credential, "POST", "/api/v1/networks", { body: network!.create }), 201);
      expectOk(
        await c.call(c.tokens.operator.credential, "DELETE", "/api/v1/networks/lab2", { csrf: "wrong" }),
        204,
      );
      expect(await c.revision()).toBe(3);
    });
  });

  describe("login rate limiting", () => {
    it("answers 429 with Retry-After after enough attempts, the same way for existing and unknown names", async () => {
      const c = await make();
      // A user nobody has signed in as yet, so both names start from zero attempts.
      await c.createUser("ivan", "viewer", PASSWORD);
      const run = async (name: string, remoteAddress: string) => {
        const answers = [];
        for (let i = 0; i < 12; i++) {
          answers.push(
            await c.call(NO_CREDENTIALS, "POST", "/api/v1/login", {
              body: { name, password: `guess-${i}` },
              remoteAddress,
            }),
          );
        }
        return answers;
      };
      const existing = await run("ivan", "192.0.2.10");
      const unknown = await run("mallory", "192.0.2.11");
      for (const answers of [existing, unknown]) {
        const statuses = answers.map((a) => a.statusCode);
        const first429 = statuses.indexOf(429);
        expect(first429, statuses.join(",")).toBeGreaterThan(2);
        expect(statuses.slice(0, first429).every((s) => s === 401)).toBe(true);
        expect(statuses.slice(first429).every((s) => s === 429)).toBe(true);
        const limited = answers[first429]!;
        expectBareError(limited, "rate-limited");
        expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
      }
      expect(existing.map(shape)).toEqual(unknown.map(shape));

      // While limited, even the right password is refused; after the window it works again.
      const right = () =>
        c.call(NO_CREDENTIALS, "POST", "/api/v1/login", {
          body: { name: "ivan", password: PASSWORD },
          remoteAddress: "192.0.2.12",
        });
      expectBareError(await right(), "rate-limited");
      c.clock.advance(Number(existing.at(-1)!.headers["retry-after"]) * 1000);
      expectOk(await right());
    });

    it("limits attempts per source address across names", async () => {
      const c = await make();
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) {
        const r = await c.call(NO_CREDENTIALS, "POST", "/api/v1/login", {
          body: { name: `user${i}`, password: "x" },
          remoteAddress: "198.51.100.99",
        });
        statuses.push(r.statusCode);
      }
      expect(statuses).toContain(429);
      expect(statuses.slice(statuses.indexOf(429)).every((s) => s === 429)).toBe(true);
      const elsewhere = await c.call(NO_CREDENTIALS, "POST", "/api/v1/login", {
        body: { name: ADMIN_NAME, password: ADMIN_PASSWORD },
        remoteAddress: "198.51.100.100",
      });
      expectOk(elsewhere);
    });
  });
}
