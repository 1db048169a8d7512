/**
 * Crash safety of the real controller binary: a burst of 200 concurrent API writes, `kill -9` in
 * the middle of it, a restart on the same data. Every write the controller answered 2xx must be
 * there afterwards, and the database must be consistent: SQLite's integrity check passes, the
 * controller starts (compiling the stored intent), and a full export — the JSON-lines backup and
 * the YAML export, run through `hubwire validate` — verifies. Once on SQLite, once on PostgreSQL
 * (skipped loudly without a server, failed under CI). Runs the build: `npm test` builds first.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import BetterSqlite3 from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import {
  adminToken,
  type ControllerProcess,
  REPO_ROOT,
  request,
  startControllerProcess,
} from "../src/bench/api-controller.js";
import { inspectBackup } from "../src/controller/backup/inspect.js";
import type { Resource } from "../src/model/index.js";
import { withPostgres } from "../src/testing/postgres.js";
import { buildIntent, spokeNode } from "../src/testing/topology.js";

const run = promisify(execFile);
interface AuditRow {
  kind: string | null;
  name: string | null;
  revision: number | null;
}

const PG_TITLE = "controller crash safety on PostgreSQL";
const pg = await withPostgres(PG_TITLE);
const PASSWORD = "crash-test-password-42";
/** Writes at most (the kill comes long before). */
const BURST = 1000;
/** Clients writing at once: a batch gathers several of them. */
const WORKERS = 40;
/** The kill comes once this many writes were acknowledged: well inside the burst. */
const KILL_AFTER = 60;

const dirs: string[] = [];
const running: ControllerProcess[] = [];
afterAll(async () => {
  for (const c of running) await c.stop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "hubwire-crash-"));
  dirs.push(d);
  return d;
}
async function start(dataDir: string, databaseUrl?: string): Promise<ControllerProcess> {
  const c = await startControllerProcess({ dataDir, databaseUrl, adminPassword: PASSWORD });
  running.push(c);
  return c;
}

/** Write `i` of the burst: mostly spokes (the incremental path), every tenth a Network (a full compile). */
function write(i: number): { path: string; resource: Resource } {
  if (i % 10 === 9) {
    return {
      path: "/api/v1/networks",
      resource: {
        apiVersion: "hubwire/v1",
        kind: "Network",
        metadata: { name: `net-${i}` },
        spec: {
          cidr: `10.${100 + Math.floor(i / 10)}.0.0/16`,
          listenPortRange: { from: 51820, to: 52820 },
          mtu: 1420,
          persistentKeepalive: 25,
          presharedKeys: false,
          topology: "hub-and-spoke",
          defaultAction: "deny",
        },
      } as Resource,
    };
  }
  return { path: "/api/v1/nodes", resource: spokeNode(i, 2) };
}

async function crashAndRecover(dataDir: string, databaseUrl?: string): Promise<void> {
  const first = await start(dataDir, databaseUrl);
  const token = await adminToken(first.url, PASSWORD, "crash-test");
  const seed = await request(first.url, "POST", "/api/v1/apply", {
    token,
    body: { items: buildIntent({ spokes: 0, hubs: 2 }).resources },
  });
  expect(seed.status, seed.body.toString()).toBe(200);

  // The burst: WORKERS clients each sending writes one after another (so some are always in
  // flight, however fast batches commit); kill -9 after KILL_AFTER acknowledgements.
  const agent = new http.Agent({ keepAlive: true, maxSockets: WORKERS });
  const acked: Array<{ path: string; name: string }> = [];
  const refused: string[] = [];
  let failed = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      while (next < BURST) {
        const { path, resource } = write(next++);
        try {
          const res = await request(first.url, "POST", path, { token, body: resource, agent });
          if (res.status >= 200 && res.status < 300) {
            acked.push({ path, name: resource.metadata.name });
            if (acked.length === KILL_AFTER) first.child.kill("SIGKILL");
          } else refused.push(`${res.status} ${res.body}`);
        } catch {
          failed++; // the connection died with the controller: not acknowledged
          return;
        }
      }
    }),
  );
  agent.destroy();
  expect(await first.exited).toBe("SIGKILL");
  expect(refused).toEqual([]);
  expect(acked.length).toBeGreaterThanOrEqual(KILL_AFTER);
  expect(failed).toBeGreaterThan(0); // the kill really came mid-burst

  // Restart on the same data: it starts (compiling the stored intent) and has every acknowledged write.
  const second = await start(dataDir, databaseUrl);
  const missing: string[] = [];
  for (const { path, name } of acked) {
    const res = await request(second.url, "GET", `${path}/${name}`, { token });
    if (res.status !== 200) missing.push(`${path}/${name}: ${res.status}`);
  }
  expect(missing).toEqual([]);

  // No half batch: writes commit in groups (one transaction, one revision per batch), so every
  // stored resource of the burst has its audit entry and every audited create its resource, and
  // at least one revision holds several writes (the crash really came under group commit).
  const audit = await request(second.url, "GET", "/api/v1/audit?action=create&limit=1000", { token });
  expect(audit.status).toBe(200);
  const entries = (JSON.parse(audit.body.toString()) as { items: AuditRow[] }).items.filter(
    (e) => e.kind === "Node" || e.kind === "Network",
  );
  const stored = new Set<string>();
  for (const kind of ["nodes", "networks"]) {
    const list = await request(second.url, "GET", `/api/v1/${kind}?limit=1000`, { token });
    for (const item of (JSON.parse(list.body.toString()) as { items: Resource[] }).items)
      stored.add(`${item.kind}/${item.metadata.name}`);
  }
  const audited = new Set(entries.map((e) => `${e.kind}/${e.name}`));
  expect([...audited].filter((r) => !stored.has(r))).toEqual([]);
  expect([...stored].filter((r) => !audited.has(r))).toEqual([]);
  const perRevision = new Map<number, number>();
  for (const e of entries)
    if (e.revision !== null) perRevision.set(e.revision, (perRevision.get(e.revision) ?? 0) + 1);
  expect(Math.max(...perRevision.values())).toBeGreaterThan(1);

  // A full export verifies: the backup's hash and counts, and the YAML export as intent.
  const backup = await request(second.url, "GET", "/api/v1/backup?format=jsonl", { token });
  expect(backup.status).toBe(200);
  const work = await tempDir();
  await writeFile(join(work, "backup.jsonl"), backup.body);
  const info = await inspectBackup(join(work, "backup.jsonl"));
  expect(info.tables.resources).toBeGreaterThanOrEqual(acked.length + 4);
  const yaml = await request(second.url, "GET", "/api/v1/export", { token });
  expect(yaml.status).toBe(200);
  await writeFile(join(work, "export.yaml"), yaml.body);
  await run(process.execPath, [join(REPO_ROOT, "bin", "hubwire.js"), "validate", join(work, "export.yaml")]);
  // A write after the crash goes through.
  const after = await request(second.url, "POST", "/api/v1/nodes", { token, body: spokeNode(900, 2) });
  expect(after.status, after.body.toString()).toBe(201);
  expect(await second.stop()).toBe(0);
}

describe("controller crash safety (kill -9 during a write burst)", () => {
  it("SQLite: every acknowledged write survives and the database is intact", async () => {
    const dataDir = await tempDir();
    await crashAndRecover(dataDir);
    const db = new BetterSqlite3(join(dataDir, "hubwire.db"), { readonly: true });
    try {
      expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
      expect(db.pragma("foreign_key_check")).toEqual([]);
    } finally {
      db.close();
    }
  }, 60_000);

  it.skipIf(pg === undefined)(
    "PostgreSQL: every acknowledged write survives and the database is intact",
    async () => {
      await crashAndRecover(await tempDir(), await pg!.freshDatabase());
    },
    60_000,
  );
});
