/** Shared API tests of apply (all or nothing, dry run) and export, run on every dialect by api.suite.ts. */

import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import type { MakeController } from "../testing/api-harness.js";
import { corpController, corpYaml, meshYaml } from "../testing/api-harness.js";
import { expectError, expectOk } from "../testing/expect-api.js";
import { KIND_CASES } from "../testing/resources.js";

/** Every extra resource of KIND_CASES as YAML-compatible JSON documents. */
const extrasYaml = () => KIND_CASES.map((k) => JSON.stringify(k.create)).join("\n---\n");

export function applyApiSuite(make: MakeController): void {
  describe("apply and export API", () => {
    it("applies all or nothing: one bad document in a set changes nothing", async () => {
      const c = await corpController(make);
      const before = await c.exportYaml();
      const audit = (await c.call(c.admin, "GET", "/api/v1/audit?limit=1000")).json() as { items: unknown[] };

      // Schema-valid documents whose whole is invalid (a duplicate tunnel address in the third).
      const set = [
        "apiVersion: hubwire/v1\nkind: Network\nmetadata: { name: lab2 }\nspec: { cidr: 10.210.0.0/24 }",
        "apiVersion: hubwire/v1\nkind: Node\nmetadata: { name: branch-sha, labels: { tier: branch } }\n" +
          "spec: { network: corp, role: spoke, tunnelAddress: 10.100.1.7, subnets: [10.64.7.0/24, 10.64.70.0/24]," +
          " hubs: [hub-sgp, hub-fra], publicKey: 2nXjyHvjwMnnmbK+ojfmGndUHsY6lldxWMrTtMsehD8= }",
        "apiVersion: hubwire/v1\nkind: Node\nmetadata: { name: branch-waw }\n" +
          "spec: { network: corp, role: spoke, tunnelAddress: 10.100.1.8, hubs: [hub-fra] }",
      ].join("\n---\n");
      let error = expectError(
        await c.call(c.admin, "POST", "/api/v1/apply", { body: set }),
        "validation-failed",
      );
      expect(error.issues).toContainEqual(
        expect.objectContaining({ code: "duplicate-address", kind: "Node", path: "spec.tunnelAddress" }),
      );
      expect(error.issues?.map((i) => `${i.kind}/${i.name}`)).toContain("Node/branch-waw");

      // A document that fails its schema: the others are not applied either.
      const badSchema = `${extrasYaml()}\n---\napiVersion: hubwire/v1\nkind: Node\nmetadata: { name: branch-bad }\nspec: { network: corp, role: router }`;
      error = expectError(
        await c.call(c.admin, "POST", "/api/v1/apply", { body: badSchema }),
        "validation-failed",
      );
      expect(error.issues).toEqual([
        expect.objectContaining({
          kind: "Node",
          name: "branch-bad",
          path: "spec.role",
          source: `body#7 line ${badSchema.split("\n").findIndex((l) => l.includes("role: router")) + 1}`,
        }),
      ]);

      // Unparseable YAML, an unknown kind, the same resource twice.
      expectError(
        await c.call(c.admin, "POST", "/api/v1/apply", { body: `${extrasYaml()}\n---\nkind: [unclosed` }),
        "validation-failed",
      );
      error = expectError(
        await c.call(c.admin, "POST", "/api/v1/apply", {
          body: `${extrasYaml()}\n---\napiVersion: hubwire/v1\nkind: Router\nmetadata: { name: r1 }\nspec: {}`,
        }),
        "validation-failed",
      );
      expect(error.issues).toEqual([
        expect.objectContaining({ code: "unknown-kind", kind: "Router", name: "r1" }),
      ]);
      expectError(
        await c.call(c.admin, "POST", "/api/v1/apply", { body: `${extrasYaml()}\n---\n${extrasYaml()}` }),
        "bad-request",
      );

      expect(await c.revision()).toBe(1);
      expect(await c.exportYaml()).toBe(before);
      const auditAfter = (await c.call(c.admin, "GET", "/api/v1/audit?limit=1000")).json() as {
        items: unknown[];
      };
      expect(auditAfter.items.length).toBe(audit.items.length);

      // The valid part alone applies; JSON `{ items }` works like YAML.
      const items = KIND_CASES.map((k) => k.create);
      const ok = await c.call(c.tokens.operator.credential, "POST", "/api/v1/apply", { body: { items } });
      expectOk(ok);
      expect(ok.json()).toMatchObject({ revision: 2, dryRun: false });
      expect((ok.json() as { changes: unknown[] }).changes).toHaveLength(KIND_CASES.length);
      expectError(
        await c.call(c.admin, "POST", "/api/v1/apply", { body: { resources: items } }),
        "bad-request",
      );
    });

    it("reports schema errors, dangling references and overlaps in one answer, placed, changing nothing", async () => {
      const c = await corpController(make);
      const before = await c.exportYaml();
      const body = [
        "apiVersion: hubwire/v1\nkind: Node\nmetadata: { name: bad-role }\nspec:\n  network: corp\n  role: router",
        "apiVersion: hubwire/v1\nkind: Node\nmetadata: { name: lost }\nspec:\n  network: nowhere\n  role: spoke\n  hubs: [hub-fra]",
        "apiVersion: hubwire/v1\nkind: Node\nmetadata: { name: branch-clash }\nspec:\n  network: corp\n  role: spoke\n  hubs: [hub-fra]\n  subnets: [10.64.9.0/24]",
      ].join("\n---\n");
      const error = expectError(
        await c.call(c.admin, "POST", "/api/v1/apply", { body }),
        "validation-failed",
      );
      const lineOf = (text: string) => body.split("\n").findIndex((l) => l.includes(text)) + 1;
      const got = error.issues?.map((i) => `${i.source} ${i.kind}/${i.name} ${i.path} ${i.code}`);
      expect(got).toContain(`body#1 line ${lineOf("role: router")} Node/bad-role spec.role invalid-field`);
      expect(got).toContain(
        `body#2 line ${lineOf("network: nowhere")} Node/lost spec.network dangling-reference`,
      );
      expect(got?.filter((g) => / Node\/branch-(clash|nyc) .*overlap/.test(g))).not.toEqual([]);
      const clash = error.issues?.find((i) => i.name === "branch-clash");
      expect(clash?.source).toBe(`body#3 line ${lineOf("subnets: [10.64.9.0/24]")}`);

      // JSON `{ items }` the same way, placed by index.
      const items = parseAllDocuments(body).map((d) => d.toJS());
      const json = expectError(
        await c.call(c.admin, "POST", "/api/v1/apply", { body: { items } }),
        "validation-failed",
      );
      expect(json.issues?.map((i) => `${i.source} ${i.name} ${i.code}`)).toEqual(
        expect.arrayContaining([
          "items[0] bad-role invalid-field",
          "items[1] lost dangling-reference",
          expect.stringMatching(/^items\[2\] branch-clash /),
        ]),
      );
      // A reference to a document that failed its own schema check is not also dangling.
      const follow = expectError(
        await c.call(c.admin, "POST", "/api/v1/apply", {
          body:
            "apiVersion: hubwire/v1\nkind: Network\nmetadata: { name: lab3 }\nspec: { cidr: 10.300.0.0/24 }\n---\n" +
            "apiVersion: hubwire/v1\nkind: Node\nmetadata: { name: lab3-hub }\nspec: { network: lab3, role: hub, endpoint: 192.0.2.9:51820 }",
        }),
        "validation-failed",
      );
      expect(follow.issues?.map((i) => `${i.name} ${i.code}`)).toEqual(["lab3 invalid-field"]);

      expect(await c.revision()).toBe(1);
      expect(await c.exportYaml()).toBe(before);
    });

    it("dry run returns the plan and changes nothing", async () => {
      const c = await corpController(make);
      const before = await c.exportYaml();
      const change = corpYaml().replace("subnets: [10.64.7.0/24]", "subnets: [10.64.7.0/24, 10.64.77.0/24]");
      const body = `${change}\n---\n${extrasYaml()}`;

      const dry = await c.call(c.tokens.operator.credential, "POST", "/api/v1/apply?dryRun=true", { body });
      expectOk(dry);
      const plan = dry.json() as {
        revision: number;
        dryRun: boolean;
        changes: Array<{
          op: string;
          kind: string;
          name: string;
          fields: Array<{ path: string; to: string }>;
        }>;
        nodes: string[];
      };
      expect(plan.dryRun).toBe(true);
      expect(plan.revision).toBe(1);
      const sha = plan.changes.find((ch) => ch.kind === "Node" && ch.name === "branch-sha");
      expect(sha?.op).toBe("change");
      expect(sha?.fields.map((f) => f.path).join(" ")).toContain("spec.subnets");
      for (const k of KIND_CASES) {
        expect(plan.changes).toContainEqual(
          expect.objectContaining({ op: "add", kind: k.kind, name: k.name }),
        );
      }
      // branch-sha's own config does not carry its site subnets; its hubs' configs do.
      expect(plan.nodes).toEqual(["branch-muc", "hub-fra", "hub-sgp"]);

      expect(await c.revision()).toBe(1);
      expect(await c.exportYaml()).toBe(before);
      expectError(await c.call(c.admin, "GET", "/api/v1/nodes/branch-muc"), "not-found");
      const audit = (await c.call(c.admin, "GET", "/api/v1/audit?kind=Node&name=branch-sha")).json() as {
        items: Array<{ action: string }>;
      };
      expect(audit.items.map((i) => i.action)).toEqual(["create"]);

      // The same body for real gives the plan the dry run promised, at the next revision.
      const real = await c.call(c.tokens.operator.credential, "POST", "/api/v1/apply?dryRun=false", { body });
      expectOk(real);
      expect(real.json()).toEqual({ ...plan, dryRun: false, revision: 2 });

      // A dry run of an invalid set is refused like the real thing.
      const invalid = change.replace("tunnelAddress: 10.100.1.7", "tunnelAddress: 10.100.1.8");
      expectError(
        await c.call(c.admin, "POST", "/api/v1/apply?dryRun=true", { body: invalid }),
        "validation-failed",
      );
      // A dry run of what is there plans nothing.
      const unchanged = KIND_CASES.filter((k) => k.kind !== "Node").map((k) => k.create);
      const same = await c.call(c.admin, "POST", "/api/v1/apply?dryRun=true", { body: { items: unchanged } });
      expect(same.json()).toEqual({ revision: 2, dryRun: true, changes: [], nodes: [] });
      expectError(await c.call(c.admin, "POST", "/api/v1/apply?dryRun=yes", { body }), "bad-request");
      expect(await c.revision()).toBe(2);
    });

    it("export, applied to an empty controller, exports byte-identical YAML", async () => {
      const a = await make();
      expectOk(await a.call(a.admin, "POST", "/api/v1/apply", { body: corpYaml() }));
      expectOk(await a.call(a.admin, "POST", "/api/v1/apply", { body: meshYaml() }));
      expectOk(await a.call(a.admin, "POST", "/api/v1/apply", { body: extrasYaml() }));
      expectOk(
        await a.call(a.admin, "PATCH", "/api/v1/nodes/branch-nyc", {
          body: { metadata: { annotations: { owner: "网络组 ops" } } },
        }),
      );
      const exported = await a.call(a.tokens.viewer.credential, "GET", "/api/v1/export");
      expectOk(exported);
      expect(exported.headers["content-type"]).toMatch(/^application\/yaml/);
      const yaml = exported.body;
      const docs = parseAllDocuments(yaml);
      expect(Array.isArray(docs) && docs.length).toBe(13 + 7 + KIND_CASES.length);
      expect(yaml).not.toContain("status:");

      const b = await make();
      expect(await b.exportYaml()).toBe("");
      const applied = await b.call(b.admin, "POST", "/api/v1/apply", { body: yaml });
      expectOk(applied);
      expect(applied.json()).toMatchObject({ revision: 1 });
      expect(await b.exportYaml()).toBe(yaml);
      // And the export re-applied where it came from changes nothing.
      const again = await a.call(a.admin, "POST", "/api/v1/apply", { body: yaml });
      expect(again.json()).toMatchObject({ changes: [], nodes: [] });
      expect(await a.exportYaml()).toBe(yaml);
    });
  });
}
