/**
 * Status on its own, against a real database (SQLite) and intent store: reports are batched into
 * one commit with the newest report of a node winning, online and offline transitions are audited
 * once each on an injected clock, and a spoke's claim of another hub moves its attachment only
 * when that hub's own report confirms a recent handshake.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Resource } from "../../model/index.js";
import { buildIntent, fakeKey } from "../../testing/topology.js";
import { type Db, openDatabase } from "../db/open.js";
import { listAudit } from "../db/repo-audit.js";
import { getNodeStatus } from "../db/repo-node-status.js";
import { createMetrics } from "../metrics/metrics.js";
import { ConfigNotifier } from "../notify/notifier.js";
import { type Change, IntentStore } from "../state/intent-store.js";
import { sampleReport } from "../testing/agents.js";
import { scratchDir } from "../testing/scratch-dir.js";
import { Attachments } from "./attachments.js";
import { StatusStore } from "./status-store.js";
import { OFFLINE_AFTER_MS } from "./thresholds.js";

const dirs = await scratchDir("hubwire-status-");
const actor = { actor: "user:test", source: "test" };
const put = (resource: Resource): Change => ({ op: "put", resource });

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setUp() {
  let now = new Date("2026-12-04T10:00:00Z");
  const clock = () => now;
  const db: Db = await openDatabase({ dataDir: dirs.next() });
  cleanups.push(() => db.close());
  const intent = new IntentStore(db, clock);
  await intent.apply(actor, buildIntent({ spokes: 2, hubs: 2 }).resources.map(put));
  const status = new StatusStore(db, { now: clock });
  cleanups.push(() => status.close());
  return { db, intent, status, clock, advance: (ms: number) => (now = new Date(now.getTime() + ms)) };
}

const audit = (db: Db, action: string) =>
  db.transaction(async (tx) => (await listAudit(tx, { action, limit: 100 })).items.map((e) => e.name));

describe("status store", () => {
  it("commits concurrent reports together; the newest report of a node wins", async () => {
    const { db, status } = await setUp();
    await Promise.all([
      status.record("spoke-0", sampleReport("r1"), []),
      status.record("spoke-1", sampleReport("r1"), []),
      status.record("spoke-0", sampleReport("r2"), []),
    ]);
    expect((await getNodeStatus(db.kysely, "spoke-0"))?.applied_revision).toBe("r2");
    expect((await getNodeStatus(db.kysely, "spoke-1"))?.applied_revision).toBe("r1");
    expect((await audit(db, "node-online")).sort()).toEqual(["spoke-0", "spoke-1"]);
  });

  it("marks a silent node offline once, audited, and online again on its next report", async () => {
    const { db, status, advance } = await setUp();
    await status.record("spoke-0", sampleReport("r1"), []);
    advance(OFFLINE_AFTER_MS - 1000);
    expect(await status.sweep()).toEqual([]);
    advance(2000);
    expect(await status.sweep()).toEqual(["spoke-0"]);
    expect(await status.sweep()).toEqual([]);
    expect(await audit(db, "node-offline")).toEqual(["spoke-0"]);
    await status.record("spoke-0", sampleReport("r1"), []);
    expect(await audit(db, "node-online")).toEqual(["spoke-0", "spoke-0"]);
  });
});

describe("attachments", () => {
  it("moves a spoke to the hub it claims only when that hub reports a recent handshake with it", async () => {
    const { db, intent, status, clock } = await setUp();
    const metrics = createMetrics(db);
    const notifier = new ConfigNotifier(intent, db, { now: clock, metrics });
    cleanups.push(() => notifier.close());
    await notifier.start();
    const attachments = new Attachments(db, intent, notifier, { now: clock });
    // spoke-0's hubs are hub-0 (first, active) then hub-1.
    const before = notifier.current()!.compiler.attachmentOf("spoke-0")!;
    expect(before.active).toBe("hub-0");
    const claim = { ...sampleReport("r1"), activeHub: "hub-1" };

    // hub-1 never reported: the claim waits.
    await attachments.consider("spoke-0", claim);
    expect(notifier.current()!.compiler.attachmentOf("spoke-0")!.active).toBe("hub-0");

    // hub-1 reports, but its handshake with spoke-0 is too old.
    const stale = clock().getTime() / 1000 - 600;
    const spokeKey = fakeKey(1000);
    // hub-1's stored interface with spoke-0 as its one peer, last handshaking at `latestHandshake`.
    const hubWan = (latestHandshake: number) =>
      [
        {
          name: "hw_wan",
          up: true,
          listenPort: 51820,
          peers: [
            { publicKey: spokeKey, name: "spoke-0", endpoint: null, rxBytes: 0, txBytes: 0, latestHandshake },
          ],
        },
      ] as never;
    await status.record(
      "hub-1",
      sampleReport("r1", [{ publicKey: spokeKey, handshake: stale }]),
      hubWan(stale),
    );
    await attachments.consider("spoke-0", claim);
    expect(notifier.current()!.compiler.attachmentOf("spoke-0")!.active).toBe("hub-0");

    // A recent handshake: the attachment moves, audited, in a new revision.
    const fresh = clock().getTime() / 1000 - 5;
    await status.record("hub-1", sampleReport("r1"), hubWan(fresh));
    const revision = notifier.intentRevision;
    await attachments.consider("spoke-0", claim);
    expect(notifier.current()!.compiler.attachmentOf("spoke-0")!.active).toBe("hub-1");
    expect(notifier.intentRevision).toBe(revision + 1);
    expect(await audit(db, "node-attached")).toEqual(["spoke-0"]);
    expect(attachments.spokesOf("hub-1")).toBeGreaterThanOrEqual(1);
  });
});
