/** Shared API tests of resource CRUD and its error answers, run on every dialect by api.suite.ts. */
import { describe, expect, it } from "vitest";
import type { MakeController } from "../testing/api-harness.js";
import { corpController, corpYaml } from "../testing/api-harness.js";
import { expectError, expectIssue, expectOk, names } from "../testing/expect-api.js";
import { CORP_NODES, KIND_CASES } from "../testing/resources.js";

export function resourcesApiSuite(make: MakeController): void {
  describe("resources API", () => {
    it("applies examples/corp as YAML and serves every resource by kind and name", async () => {
      const c = await make();
      const applied = await c.call(c.admin, "POST", "/api/v1/apply", { body: corpYaml() });
      expectOk(applied);
      expect(applied.json()).toMatchObject({ revision: 1, dryRun: false });
      expect(await c.revision()).toBe(1);
      expect(names(await c.call(c.admin, "GET", "/api/v1/networks"))).toEqual(["corp"]);
      expect(names(await c.call(c.admin, "GET", "/api/v1/nodes"))).toEqual(CORP_NODES);
      expect(names(await c.call(c.tokens.viewer.credential, "GET", "/api/v1/enrollment-policies"))).toEqual([
        "branches",
        "edge",
      ]);
      expect(names(await c.call(c.admin, "GET", "/api/v1/access-policies"))).toEqual([
        "branches-to-dc",
        "edge-telemetry",
        "remote-users",
      ]);
      expect(names(await c.call(c.admin, "GET", "/api/v1/enrollments"))).toEqual([]);
      expect(names(await c.call(c.admin, "GET", "/api/v1/peer-overrides"))).toEqual([]);
      const hub = await c.call(c.tokens.viewer.credential, "GET", "/api/v1/nodes/hub-fra");
      expectOk(hub);
      expect(hub.json()).toEqual({
        apiVersion: "hubwire/v1",
        kind: "Node",
        metadata: { name: "hub-fra", labels: { tier: "dc", city: "frankfurt" } },
        spec: {
          network: "corp",
          role: "hub",
          endpoint: "203.0.113.10:51820",
          tunnelAddress: "10.100.0.1",
          // corp has an IPv6 overlay: IPAM chose the hub's address and the controller pinned it.
          tunnelAddress6: expect.stringMatching(/^fd10:100::[0-9a-f:]+$/),
          subnets: ["10.10.0.0/16"],
          hubs: [],
          publicKey: "L6KfRXubzWmR04o4H1w0ShrfdpyfBZOVsKel7moq5CM=",
        },
      });
    });

    it.each(KIND_CASES)("$kind: create, read, replace, merge-patch and delete", async (k) => {
      const c = await corpController(make);
      const base = `/api/v1/${k.plural}`;
      const url = `${base}/${k.name}`;
      const operator = c.tokens.operator.credential;

      const created = await c.call(operator, "POST", base, { body: k.create });
      expectOk(created, 201);
      expect(created.json()).toMatchObject(k.create);
      expect(names(await c.call(c.admin, "GET", base))).toContain(k.name);
      const read = await c.call(c.admin, "GET", url);
      expectOk(read);
      expect(read.json()).toEqual(created.json());
      expect(await c.revision()).toBe(2);

      expectError(await c.call(operator, "POST", base, { body: k.create }), "already-exists");

      const replaced = await c.call(c.admin, "PUT", url, { body: k.replace });
      expectOk(replaced);
      expect(replaced.json()).toMatchObject(k.replace);
      expect(await c.revision()).toBe(3);

      const patched = await c.call(operator, "PATCH", url, { body: k.patch });
      expectOk(patched);
      const after = patched.json() as { metadata: { labels?: object }; spec: Record<string, unknown> };
      expect(after.spec).toMatchObject(k.patched.spec);
      for (const field of k.patched.absent ?? []) expect(after.spec).not.toHaveProperty(field);
      if (k.patched.labels) expect(after.metadata.labels).toEqual(k.patched.labels);
      expect((await c.call(c.admin, "GET", url)).json()).toEqual(after);
      expect(await c.revision()).toBe(4);

      const deleted = await c.call(operator, "DELETE", url);
      expectOk(deleted, 204);
      expect(deleted.body).toBe("");
      expect(await c.revision()).toBe(5);
      expect(expectError(await c.call(c.admin, "GET", url), "not-found").message).toContain(
        `${k.kind}/${k.name}`,
      );
      expectError(await c.call(operator, "DELETE", url), "not-found");
      expectError(await c.call(operator, "PUT", url, { body: k.replace }), "not-found");
      expectError(await c.call(operator, "PATCH", url, { body: k.patch }), "not-found");
      expect(await c.revision()).toBe(5);
      expect(names(await c.call(c.admin, "GET", base))).not.toContain(k.name);
    });

    it("refuses a body whose name or kind disagrees with the URL, and malformed bodies", async () => {
      const c = await corpController(make);
      const node = (await c.call(c.admin, "GET", "/api/v1/nodes/branch-sha")).json() as Record<
        string,
        unknown
      >;
      expectError(await c.call(c.admin, "PUT", "/api/v1/nodes/branch-ber", { body: node }), "bad-request");
      const asNetwork = { ...node, kind: "Network" };
      expect([400, 422]).toContain(
        (await c.call(c.admin, "POST", "/api/v1/nodes", { body: asNetwork })).statusCode,
      );
      expectError(
        await c.call(c.admin, "PATCH", "/api/v1/nodes/branch-sha", { body: { metadata: { name: "other" } } }),
        "bad-request",
      );
      expectError(
        await c.call(c.admin, "POST", "/api/v1/nodes", {
          body: "{not json",
          contentType: "application/json",
        }),
        "bad-request",
      );
      expectError(
        await c.call(c.admin, "POST", "/api/v1/nodes", {
          body: "kind: Node\n",
          contentType: "application/yaml",
        }),
        "unsupported-media-type",
      );
      expectError(
        await c.call(c.admin, "POST", "/api/v1/nodes", { body: "x", contentType: "text/plain" }),
        "unsupported-media-type",
      );
      expectError(await c.call(c.admin, "GET", "/api/v1/nodes/Not_A_Name"), "bad-request");
      expectError(await c.call(c.admin, "GET", "/api/v1/no-such-kind"), "not-found");
      expect(await c.revision()).toBe(1);
    });

    it("answers 422 naming Kind/name and the field path when a change makes the intent invalid", async () => {
      const c = await corpController(make);
      const [muc] = KIND_CASES.filter((k) => k.kind === "Node");
      const spec = (muc!.create as { spec: Record<string, unknown> }).spec;
      const clash = { ...muc!.create, spec: { ...spec, tunnelAddress: "10.100.1.7" } };
      expectIssue(await c.call(c.admin, "POST", "/api/v1/nodes", { body: clash }), {
        code: "duplicate-address",
        kind: "Node",
        path: "spec.tunnelAddress",
      });

      const dangling = { ...muc!.create, spec: { ...spec, hubs: ["hub-ams"] } };
      expectIssue(await c.call(c.admin, "POST", "/api/v1/nodes", { body: dangling }), {
        code: "dangling-reference",
        kind: "Node",
        name: "branch-muc",
        path: "spec.hubs[0]",
      });

      expectIssue(
        await c.call(c.admin, "PATCH", "/api/v1/nodes/branch-sha", {
          body: { spec: { subnets: ["0.0.0.0/0"] } },
        }),
        { kind: "Node", name: "branch-sha", path: "spec.subnets[0]" },
      );

      expectIssue(
        await c.call(c.admin, "PATCH", "/api/v1/nodes/branch-sha", { body: { spec: { mtu: 1400 } } }),
        {
          code: "unknown-field",
          kind: "Node",
          name: "branch-sha",
          path: "spec.mtu",
        },
      );

      expectIssue(await c.call(c.admin, "DELETE", "/api/v1/nodes/hub-sgp"), {
        code: "dangling-reference",
        kind: "Node",
        name: "branch-sha",
      });
      const error = expectIssue(await c.call(c.admin, "DELETE", "/api/v1/networks/corp"), {
        code: "dangling-reference",
        kind: "Node",
        name: "hub-fra",
        path: "spec.network",
      });
      for (const issue of error.issues ?? []) {
        expect(Object.keys(issue).sort()).toEqual(["code", "kind", "message", "name", "path"]);
      }
      expect(await c.revision()).toBe(1);
      expect((await c.call(c.admin, "GET", "/api/v1/nodes/branch-sha")).json()).toMatchObject({
        spec: { subnets: ["10.64.7.0/24"] },
      });
    });

    it("answers 422 naming Kind/name and the field path for a resource that fails its schema (POST and PUT)", async () => {
      const c = await corpController(make);
      const [muc] = KIND_CASES.filter((k) => k.kind === "Node");
      const spec = (muc!.create as { spec: Record<string, unknown> }).spec;
      const hostBits = { ...muc!.create, spec: { ...spec, subnets: ["10.64.10.1/24"] } };
      for (const [method, url] of [
        ["POST", "/api/v1/nodes"],
        ["PUT", "/api/v1/nodes/branch-muc"],
      ] as const) {
        expectIssue(await c.call(c.admin, method, url, { body: hostBits }), {
          kind: "Node",
          name: "branch-muc",
          path: "spec.subnets[0]",
        });
      }
      const unknown = { ...muc!.create, spec: { ...spec, colour: "red" } };
      expectIssue(await c.call(c.admin, "POST", "/api/v1/nodes", { body: unknown }), {
        code: "unknown-field",
        kind: "Node",
        name: "branch-muc",
        path: "spec.colour",
      });
    });
  });
}
