/**
 * Shared by the SQLite and PostgreSQL backup tests: controllers driven with `app.inject`, an
 * admin token made straight in the database, a seeded network, concurrent API writers, and a
 * dump of every table to compare databases with.
 */
import { createHash } from "node:crypto";
import { sql } from "kysely";
import { afterEach, expect } from "vitest";
import { buildIntent, spokeNode } from "../../testing/topology.js";
import { buildApp } from "../app.js";
import { hashSecret, newApiToken } from "../auth/secrets.js";
import type { Db } from "../db/open.js";
import { createToken } from "../db/repo-tokens.js";
import { describeTables, quoteIdent } from "./tables.js";

type App = Awaited<ReturnType<typeof buildApp>>;

/** A controller under test: its database, its app, and an admin API token. */
export interface TestController {
  readonly db: Db;
  readonly app: App;
  readonly token: string;
}

/** Opens a new empty database of the dialect under test. */
export type OpenFresh = () => Promise<Db>;

/** Controllers made by {@link controllers} are closed after each test. */
export function controllers(
  openFresh: OpenFresh,
  options: { readonly backupKey?: Buffer } = {},
): () => Promise<TestController> {
  const open: TestController[] = [];
  afterEach(async () => {
    for (const c of open.splice(0)) {
      await c.app.close();
      await c.db.close();
    }
  });
  return async () => {
    const db = await openFresh();
    const app = await buildApp({ db, logger: false, ...options });
    const token = await makeToken(db, "admin", "test-admin");
    const c = { db, app, token };
    open.push(c);
    return c;
  };
}

/** Creates an API token with `role` directly in the database and returns its text. */
export async function makeToken(db: Db, role: string, name: string): Promise<string> {
  const { id, secret, token } = newApiToken();
  await db.transaction((tx) =>
    createToken(tx, { id, name, secret_hash: hashSecret(secret), role, created_by: "test" }),
  );
  return token;
}

/** Copies `from`'s admin token into `to`'s database, so the token works on both. */
export async function shareToken(from: TestController, to: TestController): Promise<void> {
  const row = await from.db.kysely
    .selectFrom("api_tokens")
    .selectAll()
    .where("name", "=", "test-admin")
    .executeTakeFirstOrThrow();
  await to.db.transaction((tx) =>
    tx
      .insertInto("api_tokens")
      .values({ ...row, name: "shared-admin" })
      .execute(),
  );
}

/** Headers with the bearer token. */
export const auth = (token: string) => ({ authorization: `Bearer ${token}` });

/** `c`'s backup in `format`, through the API (the answer must be 200). */
export async function backupOf(c: TestController, format: "sqlite" | "jsonl" = "jsonl"): Promise<Buffer> {
  const res = await c.app.inject({
    method: "GET",
    url: `/api/v1/backup?format=${format}`,
    headers: auth(c.token),
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.rawPayload;
}

/** Network `wan` with hubs `hub-0` and `hub-1`, through the API. */
export async function seed(c: TestController): Promise<void> {
  const { resources } = buildIntent({ spokes: 0, hubs: 2 });
  const res = await c.app.inject({
    method: "POST",
    url: "/api/v1/apply",
    headers: auth(c.token),
    payload: { items: resources },
  });
  expect(res.statusCode, res.body).toBe(200);
}

/** One write the writers made: when it started and, if acknowledged, when. */
export interface Write {
  readonly kind: "Node" | "ApiToken";
  readonly name: string;
  readonly startedAt: number;
  ackedAt?: number;
}

/**
 * `count` concurrent writers, each creating spokes (and every fourth write an API token) through
 * the API with `token` until stopped, numbered from `firstIndex`. `writes` records every attempt; any answer
 * but 201 fails the test at `stop()`.
 */
export function startWriters(c: TestController, count: number, firstIndex = 0, token = c.token) {
  const writes: Write[] = [];
  let next = firstIndex;
  let stopping = false;
  const errors: string[] = [];
  const writer = async () => {
    while (!stopping) {
      const i = next++;
      const startedAt = performance.now();
      if (i % 4 === 3) {
        const w: Write = { kind: "ApiToken", name: `writer-${i}`, startedAt };
        writes.push(w);
        const res = await c.app.inject({
          method: "POST",
          url: "/api/v1/tokens",
          headers: auth(token),
          payload: { name: w.name, role: "viewer" },
        });
        if (res.statusCode === 201) w.ackedAt = performance.now();
        else errors.push(`${res.statusCode} ${res.body}`);
      } else {
        const node = spokeNode(i, 2);
        const w: Write = { kind: "Node", name: node.metadata.name, startedAt };
        writes.push(w);
        const res = await c.app.inject({
          method: "POST",
          url: "/api/v1/nodes",
          headers: auth(token),
          payload: node,
        });
        if (res.statusCode === 201) w.ackedAt = performance.now();
        else errors.push(`${res.statusCode} ${res.body}`);
      }
    }
  };
  const running = Array.from({ length: count }, writer);
  return {
    writes,
    acked: () => writes.filter((w) => w.ackedAt !== undefined).length,
    async stop() {
      stopping = true;
      await Promise.all(running);
      expect(errors).toEqual([]);
    },
  };
}

/** Resolves once `cond` holds, polling. */
export async function until(cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Columns every authenticated request touches. */
const TOUCHED = ["last_used_at", "last_seen_at"];

/**
 * Every row of every table but `skip`, sorted, values as text: equal dumps mean equal databases.
 * Leaves out the last-used times that each request moves.
 */
export async function dump(db: Db, skip: readonly string[] = []): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const t of await describeTables(db.kysely, db.dialect)) {
    if (skip.includes(t.name)) continue;
    const cols = t.columns.filter((c) => !TOUCHED.includes(c)).sort();
    const { rows } = await sql
      .raw<Record<string, unknown>>(`select ${cols.map(quoteIdent).join(", ")} from ${quoteIdent(t.name)}`)
      .execute(db.kysely);
    out[t.name] = rows
      .map((r) => JSON.stringify(cols.map((c) => (r[c] === null ? null : String(r[c])))))
      .sort();
  }
  return out;
}

/**
 * Names of the resources of `kind` that answer GET with 200, among `names` (checked with the
 * given token).
 */
export async function present(c: TestController, token: string, path: string, names: readonly string[]) {
  const found: string[] = [];
  for (const name of names) {
    const res = await c.app.inject({ method: "GET", url: `${path}/${name}`, headers: auth(token) });
    if (res.statusCode === 200) found.push(name);
    else expect(res.statusCode).toBe(404);
  }
  return found;
}

/** Names of the API tokens the controller lists. */
export async function tokenNames(c: TestController, token: string): Promise<Set<string>> {
  const res = await c.app.inject({ method: "GET", url: "/api/v1/tokens", headers: auth(token) });
  expect(res.statusCode, res.body).toBe(200);
  return new Set(res.json<{ items: Array<{ name: string }> }>().items.map((t) => t.name));
}

/** Restores `payload` through the API. */
export function restore(c: TestController, payload: Buffer, contentType: string, token = c.token) {
  return c.app.inject({
    method: "POST",
    url: "/api/v1/restore",
    headers: { ...auth(token), "content-type": contentType },
    payload,
  });
}

/**
 * The central property: a backup taken while 20 writers run, restored into a fresh controller,
 * holds every write acknowledged before the backup began and none started after it ended; the
 * restored controller serves and takes new writes. Returns the backup's bytes.
 */
export async function backupUnderLoad(
  source: TestController,
  target: TestController,
  format: "sqlite" | "jsonl",
): Promise<Buffer> {
  await seed(source);
  const writers = startWriters(source, 20);
  let backup: Buffer;
  let before: Write[];
  let after: Write[];
  try {
    await until(() => writers.acked() >= 60);
    before = writers.writes.filter((w) => w.ackedAt !== undefined);
    const res = await source.app.inject({
      method: "GET",
      url: `/api/v1/backup?format=${format}`,
      headers: auth(source.token),
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers["content-type"]).toBe(
      format === "sqlite" ? "application/vnd.sqlite3" : "application/x-ndjson",
    );
    backup = res.rawPayload;
    const endedAt = performance.now();
    const ackedAtEnd = writers.acked();
    await until(() => writers.acked() >= ackedAtEnd + 40);
    after = writers.writes.filter((w) => w.startedAt > endedAt);
  } finally {
    await writers.stop();
  }
  expect(after.length).toBeGreaterThan(0);

  const res = await restore(
    target,
    backup,
    format === "sqlite" ? "application/vnd.sqlite3" : "application/x-ndjson",
  );
  expect(res.statusCode, res.body).toBe(200);
  expect(res.json()).toMatchObject({ format });

  // The target now has the source's users and tokens: the source's admin token works there.
  const token = source.token;
  const nodesBefore = before.filter((w) => w.kind === "Node").map((w) => w.name);
  expect(await present(target, token, "/api/v1/nodes", nodesBefore)).toEqual(nodesBefore);
  const nodesAfter = after.filter((w) => w.kind === "Node").map((w) => w.name);
  expect(await present(target, token, "/api/v1/nodes", nodesAfter)).toEqual([]);
  const tokens = await tokenNames(target, token);
  for (const w of before.filter((w) => w.kind === "ApiToken")) expect(tokens.has(w.name)).toBe(true);
  for (const w of after.filter((w) => w.kind === "ApiToken")) expect(tokens.has(w.name)).toBe(false);

  // The restore is audited, and the restored controller takes writes (fresh audit ids, new revision).
  const audit = await target.app.inject({
    method: "GET",
    url: "/api/v1/audit?action=restore",
    headers: auth(token),
  });
  expect(audit.json<{ items: unknown[] }>().items).toHaveLength(1);
  const created = await target.app.inject({
    method: "POST",
    url: "/api/v1/nodes",
    headers: auth(token),
    payload: spokeNode(9_999, 2),
  });
  expect(created.statusCode, created.body).toBe(201);
  return backup;
}

/** Re-computes the end line of a JSON-lines backup after its other lines were edited. */
export function resign(jsonl: string): string {
  const lines = jsonl.trimEnd().split("\n");
  const body = `${lines.slice(0, -1).join("\n")}\n`;
  const end = JSON.parse(lines.at(-1)!);
  end.sha256 = createHash("sha256").update(body).digest("hex");
  return `${body}${JSON.stringify(end)}\n`;
}
