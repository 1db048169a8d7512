/**
 * Every route of the route table (and the four operational endpoints outside it) against every
 * kind of credential: roles that the route's permission admits get past authentication and
 * authorization; valid but under-privileged credentials get 403; missing or invalid ones get 401;
 * public routes never answer 401/403. Every 401/403 body is exactly `{ error: { code, message } }`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allRoutes } from "../app.js";
import { issueNodeCredential } from "../auth/node-credentials.js";
import { allows, type Role } from "../auth/principal.js";
import { hashSecret, newApiToken, newSecret } from "../auth/secrets.js";
import { type Db, openDatabase } from "../db/open.js";
import { getSession } from "../db/repo-sessions.js";
import { getUserByName, updateUser } from "../db/repo-users.js";
import {
  type Controller,
  type Credential,
  corpYaml,
  NO_CREDENTIALS,
  startController,
} from "../testing/api-harness.js";
import { expectOk } from "../testing/expect-api.js";
import { KIND_CASES } from "../testing/resources.js";
import { scratchDir } from "../testing/scratch-dir.js";
import type { AnyRoute, Permission } from "./route.js";
import type { Services } from "./services.js";

const PASSWORD = "matrix password 0123";

/**
 * A credential and what it is: a role when it is valid, `invalid` when it must be refused with
 * 401, `node` for an agent's node credential (valid on `node` routes only, 401 everywhere else).
 */
interface Case {
  readonly label: string;
  readonly credential: Credential;
  readonly role: Role | "invalid" | "node";
}

interface Row {
  readonly method: AnyRoute["method"];
  readonly path: string;
  readonly permission: Permission;
}

/** The table, plus the operational endpoints registered outside it (all public). */
const ROWS: Row[] = [
  // The API listeners' routes (the enrollment-only ones are not served there).
  ...allRoutes({} as Services)
    .filter((r) => (r.surfaces ?? ["api"]).includes("api"))
    .map(({ method, path, permission }) => ({ method, path, permission })),
  { method: "GET", path: "/healthz", permission: "public" },
  { method: "GET", path: "/readyz", permission: "public" },
  { method: "GET", path: "/metrics", permission: "public" },
  { method: "GET", path: "/api/v1/openapi.json", permission: "public" },
];
// Logging out ends the sessions the later rows need: it goes last.
ROWS.sort((a, b) => Number(a.path === "/api/v1/logout") - Number(b.path === "/api/v1/logout"));

/** Path parameters that exist (a 404 would still be "past auth", but existing ones exercise more). */
const PARAMS: Record<string, string> = {
  "/api/v1/networks/:name": "corp",
  "/api/v1/nodes/:name": "branch-sha",
  "/api/v1/enrollment-policies/:name": "branches",
  "/api/v1/enrollments/:name": "branch-lis",
  "/api/v1/access-policies/:name": "branches-to-dc",
  "/api/v1/peer-overrides/:name": "sha-via-backup",
  "/api/v1/users/:name": "target",
  "/api/v1/node-status/:name": "branch-sha",
  "/api/v1/join-tokens/:id/revoke": "aaaaaaaaaaaa",
  "/api/v1/enrollments/:name/approve": "branch-lis",
  "/api/v1/enrollments/:name/reject": "branch-lis",
  "/api/v1/enrollments/:name/reset": "branch-lis",
  "/api/v1/nodes/:name/revoke": "branch-sha",
  "/api/v1/nodes/:name/wg-quick": "laptop-alice",
  "/api/v1/nodes/:name/compiled": "branch-sha",
  "/api/v1/nodes/:name/wg-quick/generate-key": "laptop-alice",
  "/api/v1/delivery-holds/:node/confirm": "hub-fra",
  "/api/v1/secrets/:secret/rotate": "psk-secret",
};

const dirs = await scratchDir("hubwire-matrix-");
const cleanups: Array<() => Promise<void>> = [];
let c: Controller;
let db: Db;
let cases: Case[];
let targetTokenId: string;
/** Cells seen, by expected outcome: the last test checks the matrix was really walked. */
const tally = { allowed: 0, 401: 0, 403: 0 };

beforeAll(async () => {
  db = await openDatabase({ dataDir: dirs.next() });
  cleanups.push(() => db.close());
  c = await startController(db, {}, cleanups);
  expectOk(await c.call(c.admin, "POST", "/api/v1/apply", { body: corpYaml() }));
  for (const k of KIND_CASES.filter((k) => k.kind === "Enrollment" || k.kind === "PeerOverride")) {
    expectOk(await c.call(c.admin, "POST", `/api/v1/${k.plural}`, { body: k.create }), 201);
  }
  for (const [name, role] of [
    ["olga", "operator"],
    ["vera", "viewer"],
    ["dan", "admin"],
    ["target", "viewer"],
    ["login-user", "viewer"],
  ] as const) {
    await c.createUser(name, role, PASSWORD);
  }
  const olga = (await c.login("olga", PASSWORD)).credential;
  const vera = (await c.login("vera", PASSWORD)).credential;
  const dan = await c.login("dan", PASSWORD);
  // Disable dan behind the API's back, so his session row survives and only the disabled flag refuses it.
  await db.transaction(async (tx) => {
    const user = await getUserByName(tx, "dan");
    await updateUser(tx, user!.id, { disabled: true });
  });
  const danSession = await db.transaction((tx) => getSession(tx, hashSecret(dan.credential.cookie)));
  expect(danSession).toBeDefined();

  const expired = await c.createToken("expired", "admin", "1h");
  const revoked = await c.createToken("revoked", "admin");
  expectOk(await c.call(c.admin, "DELETE", `/api/v1/tokens/${revoked.id}`), 204);
  targetTokenId = (await c.createToken("target", "viewer")).id;
  c.clock.advance(2 * 3600_000);

  const unknown = newApiToken();
  const forged = `hwt_${c.tokens.admin.id}_${newApiToken().secret}`;
  const nodeToken = await db.transaction((tx) => issueNodeCredential(tx, "branch-sha", new Date()));
  cases = [
    { label: "node credential", credential: { kind: "bearer", token: nodeToken }, role: "node" },
    { label: "admin session", credential: c.admin, role: "admin" },
    { label: "operator session", credential: olga, role: "operator" },
    { label: "viewer session", credential: vera, role: "viewer" },
    { label: "admin token", credential: c.tokens.admin.credential, role: "admin" },
    { label: "operator token", credential: c.tokens.operator.credential, role: "operator" },
    { label: "viewer token", credential: c.tokens.viewer.credential, role: "viewer" },
    { label: "disabled user's session", credential: dan.credential, role: "invalid" },
    { label: "expired token", credential: expired.credential, role: "invalid" },
    { label: "revoked token", credential: revoked.credential, role: "invalid" },
    { label: "no credentials", credential: NO_CREDENTIALS, role: "invalid" },
    { label: "garbage bearer", credential: { kind: "bearer", token: unknown.token }, role: "invalid" },
    { label: "malformed bearer", credential: { kind: "bearer", token: "garbage" }, role: "invalid" },
    { label: "forged token secret", credential: { kind: "bearer", token: forged }, role: "invalid" },
    {
      label: "garbage cookie",
      credential: { kind: "session", cookie: newSecret(), csrf: newSecret() },
      role: "invalid",
    },
    {
      label: "basic auth",
      credential: {
        kind: "raw",
        headers: { authorization: `Basic ${Buffer.from("admin:x").toString("base64")}` },
      },
      role: "invalid",
    },
  ];
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** A body that gets each route past parsing where it matters (login must succeed: it is public). */
function bodyFor(row: Row, index: number): unknown {
  switch (`${row.method} ${row.path}`) {
    case "POST /api/v1/login":
      return { name: "login-user", password: PASSWORD };
    case "POST /api/v1/users":
      return { name: `made-${index}`, role: "viewer", password: PASSWORD };
    case "POST /api/v1/tokens":
      return { name: `made-${index}`, role: "viewer" };
    case "PATCH /api/v1/me":
      return { language: "en" };
    case "POST /api/v1/apply":
      return { items: [] };
    case "POST /api/v1/restore":
      // Never a backup: the row must be refused past authentication, not replace the database.
      return { not: "a backup" };
    default:
      return row.method === "GET" || row.method === "DELETE" ? undefined : {};
  }
}

function urlFor(row: Row): string {
  if (row.path === "/api/v1/tokens/:id") return `/api/v1/tokens/${targetTokenId}`;
  const value = PARAMS[row.path];
  if (row.path.includes(":") && value === undefined) throw new Error(`no parameter for ${row.path}`);
  return value === undefined ? row.path : row.path.replace(/:[A-Za-z]+/, value);
}

describe("role × route matrix", () => {
  it("covers every route of the table", () => {
    expect(ROWS.length).toBeGreaterThanOrEqual(40);
    expect(new Set(ROWS.map((r) => `${r.method} ${r.path}`)).size).toBe(ROWS.length);
    expect(new Set(ROWS.map((r) => r.permission))).toEqual(
      new Set(["public", "read", "write", "admin", "node"]),
    );
  });

  it.each(ROWS.map((row) => [`${row.method} ${row.path} (${row.permission})`, row] as const))(
    "%s",
    async (_title, row) => {
      const wrong: string[] = [];
      for (const [index, k] of cases.entries()) {
        // Login is rate-limited per name: let each attempt start a new window.
        if (row.path === "/api/v1/login") c.clock.advance(61_000);
        const body = bodyFor(row, index);
        const r = await c.call(k.credential, row.method, urlFor(row), body === undefined ? {} : { body });
        const expected =
          row.permission === "public"
            ? "allowed"
            : row.permission === "node"
              ? k.role === "node"
                ? "allowed"
                : 401
              : k.role === "invalid" || k.role === "node"
                ? 401
                : allows(k.role, row.permission)
                  ? "allowed"
                  : 403;
        const got = r.statusCode;
        tally[expected]++;
        if (expected === "allowed" ? got === 401 || got === 403 : got !== expected) {
          wrong.push(`${k.label}: expected ${expected}, got ${got} ${r.body.slice(0, 200)}`);
          continue;
        }
        if (got === 401 || got === 403) {
          const code = got === 401 ? "unauthenticated" : "forbidden";
          const parsed = r.json() as unknown;
          const exact =
            JSON.stringify(parsed) ===
            JSON.stringify({
              error: { code, message: (parsed as { error: { message: string } }).error.message },
            });
          if (!exact)
            wrong.push(`${k.label}: ${got} body is not exactly { error: { code, message } }: ${r.body}`);
          if (typeof (parsed as { error: { message: unknown } }).error.message !== "string") {
            wrong.push(`${k.label}: message is not a string`);
          }
        }
        if (got >= 500) wrong.push(`${k.label}: ${got} ${r.body.slice(0, 200)}`);
      }
      expect(wrong).toEqual([]);
    },
  );

  it("walked every cell", () => {
    expect(tally.allowed + tally[401] + tally[403]).toBe(ROWS.length * cases.length);
    const forUsers = ROWS.filter((r) => r.permission !== "public" && r.permission !== "node").length;
    const forNodes = ROWS.filter((r) => r.permission === "node").length;
    const refusedEverywhere = cases.filter((k) => k.role === "invalid").length;
    const nodes = cases.filter((k) => k.role === "node").length;
    expect(tally[401]).toBe(forUsers * (refusedEverywhere + nodes) + forNodes * (cases.length - nodes));
    const restricted = forUsers + forNodes;
    expect(tally[403]).toBeGreaterThan(restricted);
  });

  it("leaves the refused credentials refused, and the valid ones valid", async () => {
    for (const k of cases) {
      const r = await c.call(k.credential, "GET", "/api/v1/me");
      // Sessions were ended by the logout row; tokens stay as they were.
      if (k.role === "invalid" || k.role === "node") expect(r.statusCode, k.label).toBe(401);
      else if (k.credential.kind === "bearer") expect(r.statusCode, k.label).toBe(200);
    }
  });
});
