/**
 * The config notifier on its own, against a real intent store on SQLite: a long poll is answered
 * at once when its node is behind, wakes when a commit changes its node and only then, follows
 * the store's pushes without reading the database per poll, and sees another store's writes.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Resource } from "../../model/index.js";
import { buildIntent, spokeNode } from "../../testing/topology.js";
import { type Db, openDatabase } from "../db/open.js";
import { createMetrics } from "../metrics/metrics.js";
import { type Change, IntentStore } from "../state/intent-store.js";
import { scratchDir } from "../testing/scratch-dir.js";
import { ConfigNotifier } from "./notifier.js";

const dirs = await scratchDir("hubwire-notifier-");
const actor = { actor: "user:test", source: "test" };
const put = (resource: Resource): Change => ({ op: "put", resource });

const open: Db[] = [];
const notifiers: ConfigNotifier[] = [];
afterEach(async () => {
  await Promise.all(notifiers.splice(0).map((n) => n.close()));
  await Promise.all(open.splice(0).map((db) => db.close()));
});

async function started(dataDir = dirs.next(), seed = true) {
  const db = await openDatabase({ dataDir });
  open.push(db);
  const intent = new IntentStore(db);
  if (seed) await intent.apply(actor, buildIntent({ spokes: 3, hubs: 2 }).resources.map(put));
  const notifier = new ConfigNotifier(intent, db, {
    now: () => new Date(),
    metrics: createMetrics(db),
    revisionPollMs: 50,
  });
  notifiers.push(notifier);
  await notifier.start();
  return { db, intent, notifier, dataDir };
}

describe("config notifier", () => {
  it("answers at once when the node is behind, not-found for a node not compiled", async () => {
    const { notifier } = await started();
    const state = await notifier.next("spoke-0", undefined, 5_000);
    expect(typeof state === "object" && state.node).toBe("spoke-0");
    expect(await notifier.next("nobody", undefined, 5_000)).toBe("not-found");
  });

  it("wakes a waiting poll when a commit changes its node, and leaves other nodes waiting", async () => {
    const { intent, notifier } = await started();
    const have = notifier.revisionOf("spoke-1");
    const hubHave = notifier.revisionOf("hub-0");
    const spokeWait = notifier.next("spoke-1", have, 3_000);
    const hubWait = notifier.next("hub-0", hubHave, 3_000);
    const otherWait = notifier.next("spoke-2", notifier.revisionOf("spoke-2"), 300);
    // A new tunnel address changes the spoke's own state and its hubs' (their peer's AllowedIPs).
    const moved = { ...spokeNode(1, 2), spec: { ...spokeNode(1, 2).spec, tunnelAddress: "10.0.70.1" } };
    const outcome = await intent.apply(actor, [put(moved as Resource)]);
    expect(outcome.nodes).toContain("spoke-1");
    const [spoke, hub, other] = await Promise.all([spokeWait, hubWait, otherWait]);
    expect(typeof spoke).toBe("object");
    expect(typeof spoke === "object" && spoke.revision).not.toBe(have);
    expect(typeof hub).toBe("object");
    expect(typeof hub === "object" && hub.revision).not.toBe(hubHave);
    expect(other).toBeUndefined(); // spoke-2's state did not change: its poll ran to its deadline
  });

  it("serves the store's pushed snapshot without reading the revision per poll", async () => {
    const { db, notifier } = await started();
    let reads = 0;
    const transaction = db.transaction.bind(db);
    db.transaction = ((fn: Parameters<Db["transaction"]>[0]) => {
      reads++;
      return transaction(fn);
    }) as Db["transaction"];
    for (let i = 0; i < 20; i++) await notifier.next("spoke-0", undefined, 1_000);
    expect(reads).toBe(0);
  });

  it("sees a write of another replica's store (the revision poll, without notifications on SQLite)", async () => {
    const a = await started();
    const b = await started(a.dataDir, false);
    const have = b.notifier.revisionOf("spoke-0");
    const wait = b.notifier.next("spoke-0", have, 5_000);
    const moved = { ...spokeNode(0, 2), spec: { ...spokeNode(0, 2).spec, tunnelAddress: "10.0.70.0" } };
    await a.intent.apply(actor, [put(moved as Resource)]);
    const state = await wait;
    expect(typeof state).toBe("object");
    expect(typeof state === "object" && state.revision).not.toBe(have);
    expect(b.notifier.intentRevision).toBe(a.notifier.intentRevision);
  });
});
