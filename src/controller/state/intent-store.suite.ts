/**
 * The intent writer on its own (no HTTP), run on SQLite and PostgreSQL by intent-store.*.test.ts:
 * group commit (one revision per batch, a refused write does not poison the others, an audit row
 * per change, answers only after the commit), restore through replaceAll, and replicas.
 */
import { expect, it } from "vitest";
import type { Resource } from "../../model/index.js";
import { buildIntent, spokeNode } from "../../testing/topology.js";
import type { Db } from "../db/open.js";
import { listAudit } from "../db/repo-audit.js";
import { getRevision } from "../db/repo-meta.js";
import { allResources, getResource } from "../db/repo-resources.js";
import { type FreshDatabase, harness } from "../db/suite-harness.js";
import { DomainError } from "../errors.js";
import { type Change, IntentStore } from "./intent-store.js";

const actor = { actor: "user:test", source: "test" };
const put = (resource: Resource): Change => ({ op: "put", resource });

/** A store on `db` holding a network, two hubs and `spokes` spokes. */
async function seeded(db: Db, spokes = 4): Promise<IntentStore> {
  const store = new IntentStore(db);
  const { resources } = buildIntent({ spokes, hubs: 2 });
  await store.apply(actor, resources.map(put));
  return store;
}

const revisionOf = (db: Db) => db.transaction((tx) => getRevision(tx));

export function intentStoreSuite(freshDatabase: FreshDatabase): void {
  const h = harness(freshDatabase);

  it("commits writes that wait together in one batch: one revision, an audit row each", async () => {
    const db = await h.db();
    const store = await seeded(db);
    const before = await revisionOf(db);
    const events: string[][] = [];
    store.watch((_snap, event) => events.push(event.cause === "commit" ? [...event.nodes] : ["reload"]));
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.apply(actor, [put(spokeNode(100 + i, 2))])),
    );
    const revisions = new Set(outcomes.map((o) => o.revision));
    // The first write may start alone before the others queue; the rest share one batch.
    expect(revisions.size).toBeLessThanOrEqual(2);
    expect(await revisionOf(db)).toBe(before + revisions.size);
    expect(Math.max(...revisions)).toBe(before + revisions.size);
    expect(events.length).toBe(revisions.size);
    for (const [i, o] of outcomes.entries()) expect(o.nodes).toContain(`spoke-${100 + i}`);
    const audit = await db.transaction((tx) => listAudit(tx, { action: "create", kind: "Node", limit: 100 }));
    const created = new Set(audit.items.map((e) => e.name));
    for (let i = 0; i < 20; i++) expect(created.has(`spoke-${100 + i}`)).toBe(true);
  });

  it("batches writes that reach it a few promise hops apart, as requests of one socket read do", async () => {
    const db = await h.db();
    const store = await seeded(db);
    // Each request reaches the writer after its own awaits (authentication, body parsing): write
    // i after i hops. The writer starts its batch only after the event loop's turn, so all join.
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        for (let hop = 0; hop < i * 3; hop++) await null;
        return store.apply(actor, [put(spokeNode(300 + i, 2))]);
      }),
    );
    expect(new Set(outcomes.map((o) => o.revision)).size).toBe(1);
  });

  it("answers a refused write with its own error while the rest of its batch commits", async () => {
    const db = await h.db();
    const store = await seeded(db);
    const clash = {
      ...spokeNode(201, 2),
      spec: { ...spokeNode(201, 2).spec, tunnelAddress: spokeNode(0, 2).spec.tunnelAddress },
    };
    const results = await Promise.allSettled([
      store.apply(actor, [put(spokeNode(200, 2))]),
      store.apply(actor, [put(clash as Resource)]),
      store.apply(actor, [put(spokeNode(202, 2))]),
      store.apply(actor, [{ op: "delete", kind: "Node", name: "nope" }], { expect: "delete" }),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled", "rejected"]);
    const refused = (results[1] as PromiseRejectedResult).reason;
    expect(refused).toBeInstanceOf(DomainError);
    expect((refused as DomainError).code).toBe("validation-failed");
    expect(((results[3] as PromiseRejectedResult).reason as DomainError).code).toBe("not-found");
    const names = new Set((await db.transaction((tx) => allResources(tx))).map((r) => r.name));
    expect(names.has("spoke-200")).toBe(true);
    expect(names.has("spoke-202")).toBe(true);
    expect(names.has("spoke-201")).toBe(false);
    const audit = await db.transaction((tx) => listAudit(tx, { name: "spoke-201", limit: 10 }));
    expect(audit.items).toEqual([]);
    // The store still serves what was committed, with an incremental compiler that never saw the refusal.
    const snap = await store.current();
    expect(snap.compiled.has("spoke-200") && snap.compiled.has("spoke-202")).toBe(true);
    expect(snap.compiled.has("spoke-201")).toBe(false);
    const fresh = await new IntentStore(db).current();
    expect([...fresh.compiled.keys()].sort()).toEqual([...snap.compiled.keys()].sort());
  });

  it("checks each write of a batch against the writes before it", async () => {
    const db = await h.db();
    const store = await seeded(db);
    const results = await Promise.allSettled([
      store.apply(actor, [put(spokeNode(300, 2))], { expect: "create" }),
      store.apply(actor, [put(spokeNode(300, 2))], { expect: "create" }),
      store.apply(actor, [{ op: "delete", kind: "Node", name: "spoke-300" }], { expect: "delete" }),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(((results[1] as PromiseRejectedResult).reason as DomainError).code).toBe("already-exists");
    expect((await store.current()).compiled.has("spoke-300")).toBe(false);
  });

  it("writes a batch's rows as each write in turn would: same resource twice, audit order, transact between", async () => {
    const db = await h.db();
    const store = await seeded(db);
    const relabelled = (i: number, tier: string): Resource => {
      const n = spokeNode(i, 2);
      return { ...n, metadata: { ...n.metadata, labels: { tier } } };
    };
    const seenByTransact: Array<number | undefined> = [];
    const results = await Promise.allSettled([
      store.apply(actor, [put(spokeNode(600, 2))], { expect: "create" }),
      store.apply(actor, [put(relabelled(600, "one"))], { expect: "replace" }),
      store.apply(actor, [put(spokeNode(601, 2))], { expect: "create" }),
      // Reads the tables inside the batch: the rows of the writes before it are there.
      store.transact(actor, async (tx) => {
        seenByTransact.push((await getResource(tx, "Node", "spoke-600"))?.generation);
        return { changes: [put(relabelled(600, "two"))], result: "t" };
      }),
      store.apply(actor, [{ op: "delete", kind: "Node", name: "spoke-601" }], { expect: "delete" }),
      store.apply(actor, [put(spokeNode(601, 2))], { expect: "create" }),
    ]);
    expect(results.map((r) => r.status)).toEqual(Array(6).fill("fulfilled"));
    const revisions = new Set(
      results.map((r) => {
        const v = (r as PromiseFulfilledResult<unknown>).value as {
          revision?: number;
          outcome?: { revision: number };
        };
        return v.revision ?? v.outcome!.revision;
      }),
    );
    expect(revisions.size).toBeLessThanOrEqual(2);
    expect(seenByTransact).toEqual([2]);
    const row600 = await db.transaction((tx) => getResource(tx, "Node", "spoke-600"));
    expect(row600?.generation).toBe(3);
    expect(row600?.metadata.labels).toEqual({ tier: "two" });
    const labels = await db.kysely
      .selectFrom("resource_labels")
      .selectAll()
      .where("name", "=", "spoke-600")
      .execute();
    expect(labels.map((l) => `${l.key}=${l.value}`)).toEqual(["tier=two"]);
    // Deleted and created again: a new resource (generation 1).
    expect((await db.transaction((tx) => getResource(tx, "Node", "spoke-601")))?.generation).toBe(1);
    const audit = await db.transaction((tx) => listAudit(tx, { kind: "Node", limit: 100 }));
    const ours = audit.items
      .filter((e) => e.name === "spoke-600" || e.name === "spoke-601")
      .reverse()
      .map((e) => `${e.action} ${e.name}`);
    expect(ours).toEqual([
      "create spoke-600",
      "update spoke-600",
      "create spoke-601",
      "update spoke-600",
      "delete spoke-601",
      "create spoke-601",
    ]);
    const fresh = await new IntentStore(db).current();
    expect(fresh.resources.get("Node/spoke-600")).toEqual(
      (await store.current()).resources.get("Node/spoke-600"),
    );
  });

  it("applyOne answers with the resource as stored, pinned addresses included", async () => {
    const db = await h.db();
    const store = await seeded(db);
    const n = spokeNode(700, 2);
    const { tunnelAddress: _a, tunnelAddress6: _b, ...spec } = n.spec as Record<string, unknown>;
    const { stored, outcome } = await store.applyOne(actor, put({ ...n, spec } as Resource), {
      expect: "create",
    });
    expect(outcome.nodes).toContain("spoke-700");
    expect((stored!.spec as { tunnelAddress?: string }).tunnelAddress).toMatch(/^\d+\./);
    const row = await db.transaction((tx) => getResource(tx, "Node", "spoke-700"));
    expect(stored?.spec).toEqual(row?.spec);
    expect(stored?.metadata).toEqual(row?.metadata);
  });

  it("a dry run in a batch changes nothing and reports what it would", async () => {
    const db = await h.db();
    const store = await seeded(db);
    const before = await revisionOf(db);
    const [dry] = await Promise.all([
      store.apply(actor, [put(spokeNode(400, 2))], { dryRun: true }),
      store.apply(actor, [put(spokeNode(401, 2))]),
    ]);
    expect(dry!.dryRun).toBe(true);
    expect(dry!.changes.map((c) => c.name)).toEqual(["spoke-400"]);
    expect((await store.current()).compiled.has("spoke-400")).toBe(false);
    expect(await revisionOf(db)).toBe(before + 1);
  });

  it("replaceAll sets a revision past the current one and the floor, and reloads", async () => {
    const db = await h.db();
    const store = await seeded(db);
    const before = await revisionOf(db);
    const reloads: number[] = [];
    store.watch((snap, event) => event.cause === "reload" && reloads.push(snap.revision));
    const revision = await store.replaceAll(async (tx, revisionAfter) => {
      await tx.deleteFrom("resources").where("name", "=", "spoke-0").execute();
      return revisionAfter(before + 10);
    });
    expect(revision).toBe(before + 11);
    expect(await revisionOf(db)).toBe(before + 11);
    expect(reloads).toEqual([before + 11]);
    expect((await store.current()).compiled.has("spoke-0")).toBe(false);
  });

  it("a second store on the same database (another replica) sees the first one's batch", async () => {
    const open = await h.fresh();
    const a = await seeded(await open());
    const b = new IntentStore(await open());
    await Promise.all([a.apply(actor, [put(spokeNode(500, 2))]), b.apply(actor, [put(spokeNode(501, 2))])]);
    const [sa, sb] = [await a.current(), await b.current()];
    expect(sa.revision).toBe(sb.revision);
    for (const s of [sa, sb]) expect(s.compiled.has("spoke-500") && s.compiled.has("spoke-501")).toBe(true);
  });
}
