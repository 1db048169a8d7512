/**
 * Shared API tests that unchanged intent stays unchanged — no new revision, no audit entry, no
 * address that moves — run on every dialect by api.suite.ts.
 */
import { describe, expect, it } from "vitest";
import type { MakeController } from "../testing/api-harness.js";
import { corpController, corpYaml } from "../testing/api-harness.js";
import { expectOk } from "../testing/expect-api.js";
import { KIND_CASES } from "../testing/resources.js";

export function idempotenceApiSuite(make: MakeController): void {
  describe("unchanged intent", () => {
    it("PUTting back the stored document changes nothing, for every kind", async () => {
      const c = await corpController(make);
      for (const k of KIND_CASES)
        expectOk(await c.call(c.admin, "POST", `/api/v1/${k.plural}`, { body: k.create }), 201);
      const changed: string[] = [];
      const putBack = async (label: string, url: string) => {
        const stored = await c.call(c.admin, "GET", url);
        const revision = await c.revision();
        expectOk(await c.call(c.admin, "PUT", url, { body: stored.json() }));
        if ((await c.revision()) !== revision) changed.push(label);
        expect((await c.call(c.admin, "GET", url)).json()).toEqual(stored.json());
      };
      for (const k of KIND_CASES) await putBack(k.kind, `/api/v1/${k.plural}/${k.name}`);
      await putBack("Node/hub-fra", "/api/v1/nodes/hub-fra");
      await putBack("Network/corp", "/api/v1/networks/corp");
      expect(changed, "kinds whose unchanged PUT moved the revision").toEqual([]);
      const audit = (await c.call(c.admin, "GET", "/api/v1/audit?action=update")).json() as {
        items: unknown[];
      };
      expect(audit.items).toEqual([]);
    });

    it("re-applying unchanged YAML changes nothing, also where IPAM chose the addresses", async () => {
      const c = await corpController(make);
      const exported = await c.exportYaml();
      const again = await c.call(c.admin, "POST", "/api/v1/apply", { body: corpYaml() });
      expectOk(again);
      expect(again.json()).toEqual({ revision: 1, dryRun: false, changes: [], nodes: [] });
      expect(await c.revision()).toBe(1);
      const audit = (await c.call(c.admin, "GET", "/api/v1/audit?action=update")).json() as {
        items: Array<{ name: string }>;
      };
      expect(audit.items.map((e) => e.name)).toEqual([]);
      // The pinned addresses stay where they were.
      expect(await c.exportYaml()).toBe(exported);
    });

    it("never moves a pinned tunnel address when a document that leaves it to IPAM comes again", async () => {
      const c = await corpController(make);
      const [muc] = KIND_CASES.filter((k) => k.kind === "Node");
      expectOk(await c.call(c.admin, "POST", "/api/v1/nodes", { body: muc!.create }), 201);
      const addresses = async (name: string) => {
        const { spec } = (await c.call(c.admin, "GET", `/api/v1/nodes/${name}`)).json() as {
          spec: { tunnelAddress?: string; tunnelAddress6?: string };
        };
        return `${spec.tunnelAddress} ${spec.tunnelAddress6}`;
      };
      const pinned = { nyc: await addresses("branch-nyc"), muc: await addresses("branch-muc") };
      expect(pinned.nyc).toMatch(/^10\.100\.\d+\.\d+ fd10:100::/);
      // branch-nyc exactly as examples/corp declares it: no tunnel address.
      const nyc = {
        apiVersion: "hubwire/v1",
        kind: "Node",
        metadata: { name: "branch-nyc", labels: { tier: "branch", city: "new-york" } },
        spec: {
          network: "corp",
          role: "spoke",
          subnets: ["10.64.9.0/24"],
          hubs: ["hub-fra"],
          publicKey: "vVhgtROkBhqYzfh3zyEEMd5iW3Bo69cWGgSpXrnOPCg=",
        },
      };
      const seen = { nyc: new Set<string>(), muc: new Set<string>() };
      const look = async () => {
        seen.nyc.add(await addresses("branch-nyc"));
        seen.muc.add(await addresses("branch-muc"));
      };
      expectOk(await c.call(c.admin, "PUT", "/api/v1/nodes/branch-nyc", { body: nyc }));
      expectOk(await c.call(c.admin, "PUT", "/api/v1/nodes/branch-muc", { body: muc!.create }));
      await look();
      expectOk(await c.call(c.admin, "POST", "/api/v1/apply", { body: corpYaml() }));
      await look();
      expectOk(
        await c.call(c.admin, "POST", "/api/v1/apply", {
          body: { items: [muc!.create, KIND_CASES[0]!.create] },
        }),
      );
      await look();
      expectOk(await c.call(c.admin, "POST", "/api/v1/apply", { body: { items: [nyc] } }));
      await look();
      expect([...seen.nyc]).toEqual([pinned.nyc]);
      expect([...seen.muc]).toEqual([pinned.muc]);
    });
  });
}
