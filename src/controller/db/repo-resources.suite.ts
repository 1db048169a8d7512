/** Shared tests of repo-resources.ts, run against every dialect by repo.suite.ts. */
import { describe, expect, it } from "vitest";
import {
  allResources,
  countResources,
  deleteResource,
  getResource,
  listResources,
  putResource,
  type ResourceInput,
} from "./repo-resources.js";
import type { Harness } from "./suite-harness.js";

const T0 = "2026-01-01T00:00:00.000Z";
const T1 = "2026-01-02T00:00:00.000Z";

/** A Node-like input; `extra` overrides fields. */
export function node(name: string, extra: Partial<ResourceInput> = {}): ResourceInput {
  return {
    kind: "Node",
    name,
    network: "corp",
    role: "spoke",
    state: null,
    metadata: { name, labels: { tier: "branch" } },
    spec: { network: "corp", role: "spoke", subnets: ["10.64.7.0/24"] },
    status: null,
    ...extra,
  };
}

export function resourcesSuite(h: Harness): void {
  describe("resources", () => {
    it("stores and returns JSON documents unchanged", async () => {
      const db = await h.db();
      const spec = {
        network: "corp",
        subnets: ["10.64.7.0/24", "fd00::/64"],
        nested: { deep: [1, 2.5, -3, true, false, null, { x: "y" }] },
        text: '上海 "quoted" \\ \n tab\t emoji 🛰️',
        big: 9007199254740991,
      };
      const status = { state: "Approved", reason: "", lastSeen: T1 };
      const stored = await db.transaction((tx) =>
        putResource(tx, {
          ...node("branch-sha", { spec, status, metadata: { name: "branch-sha", annotations: { a: "b" } } }),
          updated_at: T0,
        }),
      );
      expect(stored).toEqual({
        ...node("branch-sha"),
        spec,
        status,
        metadata: { name: "branch-sha", annotations: { a: "b" } },
        generation: 1,
        created_at: T0,
        updated_at: T0,
      });
      const read = await db.transaction((tx) => getResource(tx, "Node", "branch-sha"));
      expect(read).toEqual(stored);
      expect(await db.transaction((tx) => getResource(tx, "Node", "nope"))).toBeUndefined();
      expect(await db.transaction((tx) => getResource(tx, "Network", "branch-sha"))).toBeUndefined();
    });

    it("replaces: bumps generation, keeps created_at, re-syncs labels", async () => {
      const db = await h.db();
      await db.transaction((tx) =>
        putResource(tx, {
          ...node("a", { metadata: { name: "a", labels: { tier: "branch", city: "x" } } }),
          updated_at: T0,
        }),
      );
      const replaced = await db.transaction((tx) =>
        putResource(tx, {
          ...node("a", { role: "hub", metadata: { name: "a", labels: { tier: "dc" } } }),
          updated_at: T1,
        }),
      );
      expect(replaced).toMatchObject({ generation: 2, created_at: T0, updated_at: T1, role: "hub" });
      expect(replaced.metadata.labels).toEqual({ tier: "dc" });
      const third = await db.transaction((tx) =>
        putResource(tx, { ...node("a", { metadata: { name: "a" } }), updated_at: T1 }),
      );
      expect(third.generation).toBe(3);
      const page = (labels: Record<string, string>) =>
        db.transaction((tx) => listResources(tx, { kind: "Node", labels, limit: 10 }));
      expect((await page({ tier: "branch" })).items).toEqual([]);
      expect((await page({ tier: "dc" })).items).toEqual([]);
      expect((await page({ city: "x" })).items).toEqual([]);
      const labelRows = await db.kysely.selectFrom("resource_labels").selectAll().execute();
      expect(labelRows).toEqual([]);
    });

    it("refuses a row whose metadata.name differs from its name", async () => {
      const db = await h.db();
      await expect(
        db.transaction((tx) => putResource(tx, node("a", { metadata: { name: "b" } }))),
      ).rejects.toThrow(/metadata.name/);
    });

    it("pages through names ascending, bytewise, with a cursor", async () => {
      const db = await h.db();
      const names = [
        "ab",
        "a-c",
        "a0",
        "b",
        "z9",
        ...Array.from({ length: 20 }, (_, i) => `n${String(i).padStart(2, "0")}`),
      ];
      await db.transaction(async (tx) => {
        for (const name of names) await putResource(tx, node(name));
        await putResource(tx, { ...node("zz"), kind: "Network", network: "zz", role: null });
      });
      const seen: string[] = [];
      let after: string | undefined;
      let pages = 0;
      do {
        const page = await db.transaction((tx) => listResources(tx, { kind: "Node", limit: 10, after }));
        expect(page.items.length).toBeLessThanOrEqual(10);
        seen.push(...page.items.map((r) => r.name));
        after = page.next;
        pages++;
        if (after !== undefined) expect(after).toBe(page.items.at(-1)!.name);
      } while (after !== undefined);
      expect(pages).toBe(3);
      expect(seen).toEqual([...names].sort());
      expect(seen.slice(0, 3)).toEqual(["a-c", "a0", "ab"]);
      // Exactly a full last page has no next.
      const exact = await db.transaction((tx) => listResources(tx, { kind: "Node", limit: names.length }));
      expect(exact.next).toBeUndefined();
      expect(exact.items).toHaveLength(names.length);
      await expect(db.transaction((tx) => listResources(tx, { kind: "Node", limit: 0 }))).rejects.toThrow(
        RangeError,
      );
    });

    it("filters by network, role, state and every given label", async () => {
      const db = await h.db();
      await db.transaction(async (tx) => {
        await putResource(
          tx,
          node("hub-fra", {
            role: "hub",
            metadata: { name: "hub-fra", labels: { tier: "dc", city: "fra" } },
          }),
        );
        await putResource(
          tx,
          node("br-1", { metadata: { name: "br-1", labels: { tier: "branch", city: "sha" } } }),
        );
        await putResource(
          tx,
          node("br-2", { metadata: { name: "br-2", labels: { tier: "branch", city: "ber" } } }),
        );
        await putResource(
          tx,
          node("lab-1", { network: "lab", metadata: { name: "lab-1", labels: { tier: "branch" } } }),
        );
        await putResource(tx, { ...node("e-1"), kind: "Enrollment", state: "Pending" });
        await putResource(tx, { ...node("e-2"), kind: "Enrollment", state: "Approved" });
      });
      const names = async (q: Omit<Parameters<typeof listResources>[1], "limit">) =>
        (await db.transaction((tx) => listResources(tx, { limit: 100, ...q }))).items.map((r) => r.name);
      expect(await names({ kind: "Node" })).toEqual(["br-1", "br-2", "hub-fra", "lab-1"]);
      expect(await names({ kind: "Node", network: "corp" })).toEqual(["br-1", "br-2", "hub-fra"]);
      expect(await names({ kind: "Node", role: "hub" })).toEqual(["hub-fra"]);
      expect(await names({ kind: "Node", labels: { tier: "branch" } })).toEqual(["br-1", "br-2", "lab-1"]);
      expect(await names({ kind: "Node", labels: { tier: "branch", city: "sha" } })).toEqual(["br-1"]);
      expect(await names({ kind: "Node", labels: { tier: "branch", city: "fra" } })).toEqual([]);
      expect(await names({ kind: "Node", labels: { tier: "branch" }, network: "corp" })).toEqual([
        "br-1",
        "br-2",
      ]);
      expect(await names({ kind: "Node", labels: {} })).toHaveLength(4);
      expect(await names({ kind: "Enrollment", state: "Pending" })).toEqual(["e-1"]);
      expect(await names({ kind: "Enrollment", labels: { tier: "branch" } })).toEqual(["e-1", "e-2"]);
      const page = await db.transaction((tx) =>
        listResources(tx, { kind: "Node", labels: { tier: "branch" }, limit: 2 }),
      );
      expect(page.items.map((r) => r.name)).toEqual(["br-1", "br-2"]);
      const rest = await db.transaction((tx) =>
        listResources(tx, { kind: "Node", labels: { tier: "branch" }, limit: 2, after: page.next }),
      );
      expect(rest).toEqual({ items: [expect.objectContaining({ name: "lab-1" })] });
    });

    it("lists everything by kind then name, and deletes with labels", async () => {
      const db = await h.db();
      await db.transaction(async (tx) => {
        await putResource(tx, node("b"));
        await putResource(tx, node("a"));
        await putResource(tx, {
          ...node("corp"),
          kind: "Network",
          metadata: { name: "corp", labels: { x: "y" } },
        });
      });
      const all = await db.transaction((tx) => allResources(tx));
      expect(all.map((r) => `${r.kind}/${r.name}`)).toEqual(["Network/corp", "Node/a", "Node/b"]);
      expect(await db.transaction((tx) => deleteResource(tx, "Network", "corp"))).toBe(true);
      expect(await db.transaction((tx) => deleteResource(tx, "Network", "corp"))).toBe(false);
      const labels = await db.kysely
        .selectFrom("resource_labels")
        .select(["kind", "name"])
        .distinct()
        .orderBy("name")
        .execute();
      expect(labels).toEqual([
        { kind: "Node", name: "a" },
        { kind: "Node", name: "b" },
      ]);
      expect((await db.transaction((tx) => allResources(tx))).map((r) => r.name)).toEqual(["a", "b"]);
    });

    it("counts for metrics, grouped and sorted with NULL first", async () => {
      const db = await h.db();
      await db.transaction(async (tx) => {
        await putResource(tx, node("h1", { role: "hub", state: "Ready" }));
        await putResource(tx, node("s1", { state: "Ready" }));
        await putResource(tx, node("s2", { state: "Ready" }));
        await putResource(tx, node("s3"));
        await putResource(tx, node("l1", { network: "lab" }));
        await putResource(tx, { ...node("corp"), kind: "Network", role: null });
      });
      expect(
        await db.transaction((tx) => countResources(tx, ["network", "role", "state"], { kind: "Node" })),
      ).toEqual([
        { network: "corp", role: "hub", state: "Ready", count: 1 },
        { network: "corp", role: "spoke", state: null, count: 1 },
        { network: "corp", role: "spoke", state: "Ready", count: 2 },
        { network: "lab", role: "spoke", state: null, count: 1 },
      ]);
      expect(await db.transaction((tx) => countResources(tx, ["kind", "role"]))).toEqual([
        { kind: "Network", role: null, count: 1 },
        { kind: "Node", role: "hub", count: 1 },
        { kind: "Node", role: "spoke", count: 4 },
      ]);
      expect(await db.transaction((tx) => countResources(tx, []))).toEqual([{ count: 6 }]);
      expect(await db.transaction((tx) => countResources(tx, [], { kind: "Nope" }))).toEqual([{ count: 0 }]);
    });
  });
}
