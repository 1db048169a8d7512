/**
 * No secret escapes: a realistic session with the controller (users with known passwords, tokens,
 * sign-ins, intent applied, audit read and exported, metrics, the OpenAPI document, lists, and
 * the error paths) is recorded — every response's status, headers and body, everything the
 * logger wrote at `trace`, and every row of every table — and none of it holds a password, an API
 * token or its secret, a session id or CSRF token (nor their SHA-256), or an argon2 hash.
 * A secret may appear only in the one answer that hands it out (the token's create answer, the
 * login answer's cookie and CSRF token).
 */
import { Writable } from "node:stream";
import type { LightMyRequestResponse } from "fastify";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { hashSecret } from "../auth/secrets.js";
import { openDatabase } from "../db/open.js";
import {
  ADMIN_NAME,
  ADMIN_PASSWORD,
  type CallOptions,
  type Credential,
  controllers,
  corpYaml,
  meshYaml,
  NO_CREDENTIALS,
  sessionCookieOf,
} from "../testing/api-harness.js";
import { KIND_CASES } from "../testing/resources.js";
import { scratchDir } from "../testing/scratch-dir.js";

const dirs = await scratchDir("hubwire-leak-");

interface Secret {
  readonly what: string;
  readonly value: string;
  /** Index of the recorded response that hands it out, if any. */
  readonly issuedBy?: number;
}

describe("secrets never leak", () => {
  const make = controllers(async () => {
    const dataDir = dirs.next();
    return () => openDatabase({ dataDir });
  });

  it("through responses, logs or the database", async () => {
    const logLines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString("utf8"));
        done();
      },
    });
    const c = await make({ logger: { level: "trace", stream }, withoutTokens: true });

    const recorded: Array<{ label: string; text: string }> = [];
    const secrets: Secret[] = [];
    const secret = (what: string, value: string, issuedBy?: number) => {
      expect(value.length).toBeGreaterThanOrEqual(8);
      secrets.push({ what, value, ...(issuedBy !== undefined ? { issuedBy } : {}) });
      if (!what.startsWith("sha256")) secrets.push({ what: `sha256 of ${what}`, value: hashSecret(value) });
    };
    const call = async (
      label: string,
      cred: Credential,
      method: string,
      url: string,
      options?: CallOptions,
    ): Promise<{ r: LightMyRequestResponse; index: number }> => {
      const r = await c.call(cred, method, url, options);
      recorded.push({
        label: `${label}: ${method} ${url} → ${r.statusCode}`,
        text: `${r.statusCode}\n${JSON.stringify(r.headers)}\n${r.body}`,
      });
      return { r, index: recorded.length - 1 };
    };
    const login = async (name: string, password: string) => {
      const { r, index } = await call(`login ${name}`, NO_CREDENTIALS, "POST", "/api/v1/login", {
        body: { name, password },
      });
      expect(r.statusCode, r.body).toBe(200);
      const cookie = sessionCookieOf(r)!;
      const csrf = (r.json() as { csrfToken: string }).csrfToken;
      secret(`session id of ${name}`, cookie, index);
      secret(`CSRF token of ${name}`, csrf, index);
      return { kind: "session", cookie, csrf } as const;
    };
    const newToken = async (as: Credential, name: string, role: string, ttl?: string) => {
      const { r, index } = await call(`token ${name}`, as, "POST", "/api/v1/tokens", {
        body: { name, role, ...(ttl ? { ttl } : {}) },
      });
      expect(r.statusCode, r.body).toBe(201);
      const { id, token } = r.json() as { id: string; token: string };
      secret(`API token ${name}`, token, index);
      secret(`secret of API token ${name}`, token.slice(`hwt_${id}_`.length), index);
      return { id, credential: { kind: "bearer", token } as const };
    };

    const passwords = {
      admin: ADMIN_PASSWORD,
      alice: "alice's garden 1984 !",
      victor: "Виктор-пароль-2026",
      aliceNew: "alice rotated 2027 ??",
      mistyped: "alice's garden 1984 ?",
    };
    for (const [who, value] of Object.entries(passwords)) secret(`password ${who}`, value);

    // People and tokens.
    const admin = await login(ADMIN_NAME, ADMIN_PASSWORD);
    for (const [name, role, password] of [
      ["alice", "operator", passwords.alice],
      ["victor", "viewer", passwords.victor],
    ] as const) {
      const { r } = await call(`create ${name}`, admin, "POST", "/api/v1/users", {
        body: { name, role, password },
      });
      expect(r.statusCode, r.body).toBe(201);
    }
    const alice = await login("alice", passwords.alice);
    const victor = await login("victor", passwords.victor);
    const ci = await newToken(admin, "ci", "operator");
    const reader = await newToken(admin, "reader", "viewer", "1h");
    const doomed = await newToken(admin, "doomed", "admin");
    const adminToken = await newToken(admin, "automation", "admin");

    // Intent, reads and exports, by every kind of caller.
    await call("apply corp", alice, "POST", "/api/v1/apply", { body: corpYaml() });
    await call("apply mesh", ci.credential, "POST", "/api/v1/apply?dryRun=true", { body: meshYaml() });
    await call("apply mesh", ci.credential, "POST", "/api/v1/apply", { body: meshYaml() });
    await call("extras", ci.credential, "POST", "/api/v1/apply", {
      body: { items: KIND_CASES.map((k) => k.create) },
    });
    await call("patch", alice, "PATCH", "/api/v1/nodes/branch-sha", {
      body: { metadata: { labels: { floor: "2" } } },
    });
    await call("delete", ci.credential, "DELETE", "/api/v1/peer-overrides/sha-via-backup");
    for (const url of [
      "/api/v1/nodes",
      "/api/v1/nodes/hub-fra",
      "/api/v1/enrollments",
      "/api/v1/export",
      "/api/v1/audit?limit=1000",
      "/api/v1/audit/export",
      "/api/v1/me",
    ]) {
      await call("read", victor, "GET", url);
      await call("read", reader.credential, "GET", url);
    }
    for (const url of ["/metrics", "/api/v1/openapi.json", "/healthz", "/readyz"]) {
      await call("ops", NO_CREDENTIALS, "GET", url);
    }
    await call("users", admin, "GET", "/api/v1/users");
    await call("tokens", adminToken.credential, "GET", "/api/v1/tokens");
    await call("me", admin, "PATCH", "/api/v1/me", { body: { language: "zh-CN" } });

    // Error paths.
    await call("wrong password", NO_CREDENTIALS, "POST", "/api/v1/login", {
      body: { name: "alice", password: passwords.mistyped },
    });
    await call("unknown user", NO_CREDENTIALS, "POST", "/api/v1/login", {
      body: { name: "mallory", password: passwords.alice },
    });
    await call("password as name", NO_CREDENTIALS, "POST", "/api/v1/login", {
      body: { name: passwords.alice, password: passwords.alice },
    });
    await call("long password", NO_CREDENTIALS, "POST", "/api/v1/login", {
      body: { name: "alice", password: `${passwords.alice}${"x".repeat(2000)}` },
    });
    await call("weak password", admin, "POST", "/api/v1/users", {
      body: { name: "weak", role: "viewer", password: "short-pw" },
    });
    await call("bad user body", admin, "POST", "/api/v1/users", {
      body: { name: "x", role: "viewer", password: passwords.victor, extra: passwords.alice },
    });
    await call("no csrf", alice, "POST", "/api/v1/apply", { body: corpYaml(), csrf: false });
    await call("foreign csrf", alice, "POST", "/api/v1/apply", { body: corpYaml(), csrf: victor.csrf });
    await call("viewer writes", victor, "DELETE", "/api/v1/nodes/branch-sha");
    await call("operator lists tokens", alice, "GET", "/api/v1/tokens");
    await call("revoke", admin, "DELETE", `/api/v1/tokens/${doomed.id}`);
    await call("revoked token", doomed.credential, "GET", "/api/v1/nodes");
    const forged = `${ci.credential.token.slice(0, -1)}${ci.credential.token.endsWith("A") ? "B" : "A"}`;
    await call("forged token", { kind: "bearer", token: forged }, "GET", "/api/v1/nodes");
    await call("invalid apply", ci.credential, "POST", "/api/v1/apply", { body: "kind: [" });
    await call("invalid node", ci.credential, "POST", "/api/v1/nodes", { body: { kind: "Node" } });
    await call("not found", admin, "GET", "/api/v1/nodes/nope");
    await call("no route", admin, "GET", "/api/v1/secret-stuff");
    await call("bad json", admin, "POST", "/api/v1/users", {
      body: `{"password":"${passwords.alice}"`,
      contentType: "application/json",
    });
    for (let i = 0; i < 12; i++) {
      // From another address: every attempt counts per address (before the body is read), and
      // this address's logins must still work afterwards.
      await call("rate limit", NO_CREDENTIALS, "POST", "/api/v1/login", {
        body: { name: "victor", password: passwords.mistyped },
        remoteAddress: "192.0.2.77",
      });
    }
    c.clock.advance(2 * 3600_000);
    await call("expired token", reader.credential, "GET", "/api/v1/nodes");
    c.clock.advance(-2 * 3600_000);

    // Password change, disabling, logout.
    await call("password change", admin, "PATCH", "/api/v1/users/alice", {
      body: { password: passwords.aliceNew },
    });
    await call("old session", alice, "GET", "/api/v1/me");
    const alice2 = await login("alice", passwords.aliceNew);
    await call("disable", admin, "PATCH", "/api/v1/users/victor", { body: { disabled: true } });
    await call("disabled session", victor, "GET", "/api/v1/me");
    await call("logout", alice2, "POST", "/api/v1/logout");
    await call("after logout", alice2, "GET", "/api/v1/me");
    await call("audit at the end", adminToken.credential, "GET", "/api/v1/audit?limit=1000");
    await call("audit export at the end", adminToken.credential, "GET", "/api/v1/audit/export");
    await call("metrics at the end", NO_CREDENTIALS, "GET", "/metrics");

    // Every row of every table.
    const tables = await sql<{ name: string }>`
      select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(c.db.kysely);
    const rows: Record<string, unknown[]> = {};
    for (const { name } of tables.rows) {
      rows[name] = (await sql.raw(`select * from "${name}"`).execute(c.db.kysely)).rows;
    }
    expect(rows.audit_log?.length).toBeGreaterThan(40);
    expect(Object.keys(rows)).toEqual(
      expect.arrayContaining(["users", "sessions", "api_tokens", "audit_log"]),
    );

    // With the database gone, failures are logged: still without secrets.
    await c.db.close();
    await call("db down login", NO_CREDENTIALS, "POST", "/api/v1/login", {
      body: { name: "alice", password: passwords.aliceNew },
    });
    await call("db down token", adminToken.credential, "GET", "/api/v1/nodes");
    await call("db down session", admin, "POST", "/api/v1/apply", { body: corpYaml() });

    const logs = logLines.join("");
    expect(logs).toContain("incoming request"); // the logger at trace wrote every request
    expect(logs).toContain('"level":50'); // and the failures

    const leaks: string[] = [];
    const check = (where: string, text: string, index?: number) => {
      if (text.includes("$argon2")) leaks.push(`${where}: an argon2 hash`);
      for (const s of secrets) {
        if (text.includes(s.value) && (index === undefined || s.issuedBy !== index)) {
          leaks.push(`${where}: ${s.what}`);
        }
      }
    };
    for (const [index, r] of recorded.entries()) check(`response ${index} (${r.label})`, r.text, index);
    check("logs", logs);
    for (const row of rows.audit_log ?? [])
      check(`audit_log row ${JSON.stringify(row).slice(0, 60)}`, JSON.stringify(row));
    for (const [table, list] of Object.entries(rows)) {
      if (table === "audit_log") continue;
      for (const row of list) {
        // Stored hashes are the point of these tables: only raw secrets count here.
        const {
          password_hash: _p,
          id_hash: _i,
          csrf_hash: _c,
          secret_hash: _s,
          ...rest
        } = row as Record<string, unknown>;
        check(`${table} row`, JSON.stringify(rest));
        const raw = JSON.stringify(row);
        for (const s of secrets)
          if (!s.what.startsWith("sha256") && raw.includes(s.value)) leaks.push(`${table}: ${s.what}`);
      }
    }
    expect(leaks).toEqual([]);
    // The issuing answers really did carry the secrets (the recorder saw them).
    for (const s of secrets.filter((x) => x.issuedBy !== undefined)) {
      expect(recorded[s.issuedBy!]!.text, s.what).toContain(s.value);
    }
  });
});
