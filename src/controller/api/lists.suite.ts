/** Shared API tests of list filters and cursor pagination, run on every dialect by api.suite.ts. */
import { describe, expect, it } from "vitest";
import { parseResource } from "../../model/index.js";
import { nextRevision } from "../db/repo-meta.js";
import { putResource } from "../db/repo-resources.js";
import { toRow } from "../state/rows.js";
import type { MakeController } from "../testing/api-harness.js";
import { corpController, meshYaml } from "../testing/api-harness.js";
import { expectError, expectOk, names } from "../testing/expect-api.js";
import { CORP_NODES, KEY_SPARE, KIND_CASES, MESH_NODES } from "../testing/resources.js";

export function listsApiSuite(make: MakeController): void {
  describe("resource lists", () => {
    it("filters lists by network, role, labels and state", async () => {
      const c = await corpController(make);
      expectOk(await c.call(c.admin, "POST", "/api/v1/apply", { body: meshYaml() }));
      const list = async (query: string) => names(await c.call(c.tokens.viewer.credential, "GET", query));
      const label = (kv: string) => `label=${encodeURIComponent(kv)}`;
      expect(await list("/api/v1/nodes")).toEqual([...CORP_NODES, ...MESH_NODES].sort());
      expect(await list("/api/v1/nodes?network=lab")).toEqual(MESH_NODES);
      expect(await list("/api/v1/nodes?role=hub")).toEqual(["hub-1", "hub-fra", "hub-sgp"]);
      expect(await list("/api/v1/nodes?role=hub&network=corp")).toEqual(["hub-fra", "hub-sgp"]);
      expect(await list("/api/v1/nodes?role=external")).toEqual(["laptop-alice"]);
      expect(await list(`/api/v1/nodes?${label("tier=branch")}`)).toEqual([
        "branch-ber",
        "branch-nyc",
        "branch-sha",
      ]);
      expect(await list(`/api/v1/nodes?${label("tier=branch")}&${label("city=berlin")}`)).toEqual([
        "branch-ber",
      ]);
      expect(await list(`/api/v1/nodes?${label("tier=branch")}&${label("city=riga")}`)).toEqual([]);
      expect(await list(`/api/v1/nodes?${label("site=a")}&network=lab`)).toEqual(["site-a"]);
      expect(await list("/api/v1/access-policies?network=lab")).toEqual(["isolate-d"]);
      expect(await list("/api/v1/networks?network=corp")).toEqual(["corp"]);

      // Enrollment state is controller-owned: whatever a client sends as status is dropped…
      const [lis] = KIND_CASES.filter((k) => k.kind === "Enrollment");
      const forged = { ...lis!.create, status: { state: "Approved" } };
      expectOk(await c.call(c.admin, "POST", "/api/v1/enrollments", { body: forged }), 201);
      expect(await list("/api/v1/enrollments?state=Approved")).toEqual([]);
      expect((await c.call(c.admin, "GET", "/api/v1/enrollments/branch-lis")).json()).not.toHaveProperty(
        "status",
      );
      // …and set by the controller (as the enrollment endpoint will), which the state filter reads.
      const enrollment = (name: string, state: string) => {
        const parsed = parseResource({
          ...lis!.create,
          metadata: { name },
          spec: { ...(lis!.create as { spec: object }).spec, nodeName: name, publicKey: KEY_SPARE },
          status: { state, reason: "" },
        });
        if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
        return toRow(parsed.resource);
      };
      await c.db.transaction(async (tx) => {
        await putResource(tx, enrollment("branch-p1", "Pending"));
        await putResource(tx, enrollment("branch-p2", "Pending"));
        await putResource(tx, enrollment("branch-r1", "Rejected"));
        await nextRevision(tx);
      });
      expect(await list("/api/v1/enrollments?state=Pending")).toEqual(["branch-p1", "branch-p2"]);
      expect(await list("/api/v1/enrollments?state=Rejected&network=corp")).toEqual(["branch-r1"]);
      expect(await list("/api/v1/enrollments?state=Revoked")).toEqual([]);
      // A client's replace keeps the controller's status.
      const p1 = (await c.call(c.admin, "GET", "/api/v1/enrollments/branch-p1")).json() as object;
      expectOk(
        await c.call(c.admin, "PATCH", "/api/v1/enrollments/branch-p1", {
          body: { spec: { subnets: ["10.64.14.0/24"] }, status: { state: "Approved" } },
        }),
      );
      expect(await list("/api/v1/enrollments?state=Pending")).toEqual(["branch-p1", "branch-p2"]);
      expect((await c.call(c.admin, "GET", "/api/v1/enrollments/branch-p1")).json()).toMatchObject({
        ...p1,
        spec: { subnets: ["10.64.14.0/24"] },
      });

      for (const bad of [
        "role=router",
        "state=Done",
        "label=novalue",
        `label=${encodeURIComponent("=x")}`,
        "network=Not_A_Name",
        "limit=0",
        "limit=1001",
        "limit=ten",
        "colour=red",
      ]) {
        expectError(await c.call(c.admin, "GET", `/api/v1/nodes?${bad}`), "bad-request");
      }
    });

    it("pages with `continue` through every item exactly once, also while items change", async () => {
      const c = await corpController(make);
      expectOk(await c.call(c.admin, "POST", "/api/v1/apply", { body: meshYaml() }));
      const all = [...CORP_NODES, ...MESH_NODES].sort();
      const page = async (query: string) => {
        const r = await c.call(c.admin, "GET", `/api/v1/nodes?${query}`);
        expectOk(r);
        return r.json() as { items: Array<{ metadata: { name: string } }>; continue?: string };
      };
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const p = await page(`limit=5${cursor ? `&continue=${cursor}` : ""}`);
        expect(p.items.length).toBeLessThanOrEqual(5);
        seen.push(...p.items.map((i) => i.metadata.name));
        cursor = p.continue;
      } while (cursor);
      expect(seen).toEqual(all);
      expect((await page("limit=1000")).continue).toBeUndefined();
      expect((await page(`limit=${all.length}`)).continue).toBeUndefined();

      const first = await page("limit=5");
      expect(first.items.map((i) => i.metadata.name)).toEqual(all.slice(0, 5));
      expect(first.continue).toBe(all[4]);
      // An item already listed goes, one past the cursor arrives: the walk still sees each once.
      expectOk(await c.call(c.admin, "DELETE", "/api/v1/nodes/branch-ber"), 204);
      const siteE = {
        apiVersion: "hubwire/v1",
        kind: "Node",
        metadata: { name: "site-e", labels: { site: "e" } },
        spec: {
          network: "lab",
          role: "spoke",
          subnets: ["172.16.5.0/24"],
          hubs: ["hub-1"],
          publicKey: KEY_SPARE,
        },
      };
      expectOk(await c.call(c.admin, "POST", "/api/v1/nodes", { body: siteE }), 201);
      const rest: string[] = [];
      cursor = first.continue;
      while (cursor) {
        const p = await page(`limit=5&continue=${cursor}`);
        rest.push(...p.items.map((i) => i.metadata.name));
        cursor = p.continue;
      }
      expect(rest).toEqual([...all.slice(5), "site-e"]);
      // Filters and paging together.
      const corp1 = await page("network=corp&role=spoke&limit=2");
      expect(corp1.items.map((i) => i.metadata.name)).toEqual(["branch-nyc", "branch-sha"]);
      const corp2 = await page(`network=corp&role=spoke&limit=2&continue=${corp1.continue}`);
      expect(corp2.items.map((i) => i.metadata.name)).toEqual(["edge-rig"]);
      expect(corp2.continue).toBeUndefined();
    });
  });
}
