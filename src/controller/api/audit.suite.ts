/** Shared API tests of the audit log, run on every dialect by api.suite.ts. */
import { describe, expect, it } from "vitest";
import type { AuditEntry } from "../audit/entry.js";
import type { Controller, MakeController } from "../testing/api-harness.js";
import { corpYaml } from "../testing/api-harness.js";
import { expectError, expectOk } from "../testing/expect-api.js";

type Spec = { spec?: Record<string, unknown> } | null;
type Entry = Omit<AuditEntry, "before" | "after"> & { before: Spec; after: Spec };

async function audit(c: Controller, query = ""): Promise<{ items: Entry[]; next?: number }> {
  const r = await c.call(c.tokens.viewer.credential, "GET", `/api/v1/audit${query ? `?${query}` : ""}`);
  expectOk(r);
  return r.json() as { items: Entry[]; next?: number };
}

/** Applies corp as the admin, replaces branch-sha as the operator token, deletes edge-rig as the admin token. */
async function history(c: Controller): Promise<void> {
  expectOk(await c.call(c.admin, "POST", "/api/v1/apply", { body: corpYaml() }));
  const sha = (await c.call(c.admin, "GET", "/api/v1/nodes/branch-sha")).json() as {
    spec: Record<string, unknown>;
  };
  const replaced = { ...sha, spec: { ...sha.spec, subnets: ["10.64.7.0/24", "10.64.70.0/24"] } };
  expectOk(
    await c.call(c.tokens.operator.credential, "PUT", "/api/v1/nodes/branch-sha", {
      body: replaced,
      remoteAddress: "198.51.100.200",
    }),
  );
  expectOk(await c.call(c.tokens.admin.credential, "DELETE", "/api/v1/nodes/edge-rig"), 204);
}

export function auditApiSuite(make: MakeController): void {
  describe("audit API", () => {
    it("records create, update and delete with actor, source, before and after", async () => {
      const c = await make();
      await history(c);
      const sha = await audit(c, "kind=Node&name=branch-sha");
      expect(sha.items.map((e) => e.action)).toEqual(["update", "create"]);
      const [update, create] = sha.items as [Entry, Entry];
      expect(update).toMatchObject({ actor: "token:ci-operator", source: "198.51.100.200", kind: "Node" });
      expect(update.before?.spec?.subnets).toEqual(["10.64.7.0/24"]);
      expect(update.after?.spec?.subnets).toEqual(["10.64.7.0/24", "10.64.70.0/24"]);
      expect(create).toMatchObject({ actor: "user:admin", source: "127.0.0.1", before: null });
      expect(create.after?.spec?.publicKey).toBe("2nXjyHvjwMnnmbK+ojfmGndUHsY6lldxWMrTtMsehD8=");
      expect(new Date(update.at).getTime()).toBeGreaterThanOrEqual(new Date(create.at).getTime());

      const [deleted] = (await audit(c, "action=delete")).items;
      expect(deleted).toMatchObject({ actor: "token:ci-admin", kind: "Node", name: "edge-rig", after: null });
      expect(deleted?.before?.spec?.tunnelAddress).toBe("10.100.2.1");

      // Users, tokens and sign-ins are audited too.
      const everything = (await audit(c, "limit=1000")).items;
      const tokens = everything.filter((e) => e.kind === "ApiToken" && e.action === "create");
      expect(tokens.map((e) => e.name?.replace(/ \(.*\)$/, "")).sort()).toEqual([
        "ci-admin",
        "ci-operator",
        "ci-viewer",
      ]);
      expect(everything.filter((e) => e.action === "login")).toEqual([
        expect.objectContaining({ actor: "user:admin", source: "127.0.0.1" }),
      ]);
      const ids = everything.map((e) => e.id);
      expect(ids).toEqual([...ids].sort((a, b) => b - a));
    });

    it("filters by actor, action, kind, name and time, and pages newest first with `next`", async () => {
      const c = await make();
      await history(c);
      const all = (await audit(c, "limit=1000")).items;
      expect(all.length).toBeGreaterThan(15);
      expect((await audit(c, "actor=token:ci-operator")).items.map((e) => e.name)).toEqual(["branch-sha"]);
      expect((await audit(c, `actor=${encodeURIComponent("user:admin")}&kind=Node`)).items).toHaveLength(7);
      expect((await audit(c, "kind=Network")).items.map((e) => [e.action, e.name])).toEqual([
        ["create", "corp"],
      ]);
      expect((await audit(c, "kind=Node&action=create&name=hub-fra")).items).toHaveLength(1);
      expect((await audit(c, "actor=user:nobody")).items).toEqual([]);

      const pivot = all.find((e) => e.action === "delete")!;
      const since = (await audit(c, `since=${encodeURIComponent(pivot.at)}&limit=1000`)).items;
      expect(since.length).toBeGreaterThan(0);
      expect(since.every((e) => e.at >= pivot.at)).toBe(true);
      expect(since.map((e) => e.id)).toContain(pivot.id);
      const until = (await audit(c, `until=${encodeURIComponent(pivot.at)}&limit=1000`)).items;
      expect(until.every((e) => e.at < pivot.at)).toBe(true);
      expect(since.length + until.length).toBe(all.length);

      const walked: number[] = [];
      let before: number | undefined;
      do {
        const page = await audit(c, `limit=4${before ? `&before=${before}` : ""}`);
        expect(page.items.length).toBeLessThanOrEqual(4);
        walked.push(...page.items.map((e) => e.id));
        before = page.next;
      } while (before !== undefined);
      expect(walked).toEqual(all.map((e) => e.id));
      const filteredPage = await audit(c, "kind=Node&limit=2");
      expect(filteredPage.items.map((e) => e.name)).toEqual(["edge-rig", "branch-sha"]);
      const next = await audit(c, `kind=Node&limit=2&before=${filteredPage.next}`);
      expect(next.items.every((e) => e.kind === "Node" && e.id < filteredPage.next!)).toBe(true);

      for (const bad of ["since=yesterday", "limit=0", "before=-1", "colour=red", "limit=5000"]) {
        expectError(await c.call(c.admin, "GET", `/api/v1/audit?${bad}`), "bad-request");
      }
    });

    it("gives every entry of one apply its revision; filters by it; group=revision never splits one", async () => {
      const c = await make();
      const applied = await c.call(c.admin, "POST", "/api/v1/apply", { body: corpYaml() });
      expectOk(applied);
      const { revision } = applied.json() as { revision: number };
      const sha = (await c.call(c.admin, "GET", "/api/v1/nodes/branch-sha")).json() as {
        spec: Record<string, unknown>;
      };
      const put = await c.call(c.admin, "PUT", "/api/v1/nodes/branch-sha", {
        body: { ...sha, spec: { ...sha.spec, description: "Shanghai" } },
      });
      expectOk(put);
      const all = (await audit(c, "limit=1000")).items;
      const ofApply = all.filter((e) => e.revision === revision);
      expect(ofApply).toHaveLength(13);
      expect(ofApply.every((e) => e.action === "create")).toBe(true);
      const [update] = all;
      expect(update).toMatchObject({ action: "update", name: "branch-sha", revision: revision + 1 });
      // Sign-ins and tokens move no revision.
      expect(all.filter((e) => e.kind === "ApiToken" || e.action === "login").map((e) => e.revision)).toEqual(
        all.filter((e) => e.kind === "ApiToken" || e.action === "login").map(() => null),
      );

      expect((await audit(c, `revision=${revision}&limit=1000`)).items).toEqual(ofApply);
      expect((await audit(c, `revision=${revision}&kind=Network`)).items.map((e) => e.name)).toEqual([
        "corp",
      ]);
      expect((await audit(c, "revision=999")).items).toEqual([]);

      // Plain pages end at `limit`; grouped pages run on to the end of the last change.
      const plain = await audit(c, "limit=3");
      expect(plain.items.map((e) => e.revision)).toEqual([revision + 1, revision, revision]);
      const grouped = await audit(c, "limit=3&group=revision");
      expect(grouped.items.map((e) => e.id)).toEqual(all.slice(0, 14).map((e) => e.id));
      expect(grouped.next).toBe(all[13]!.id);
      const rest = await audit(c, `limit=3&group=revision&before=${grouped.next}`);
      expect(rest.items.map((e) => e.id)).toEqual(all.slice(14, 17).map((e) => e.id));
      // A grouped page that completes its change at the very end of the log has no next.
      const tail = await audit(c, `revision=${revision}&limit=2&group=revision`);
      expect(tail.items).toEqual(ofApply);
      expect(tail.next).toBeUndefined();
      for (const bad of ["group=kind", "revision=-1", "revision=x"]) {
        expectError(await c.call(c.admin, "GET", `/api/v1/audit?${bad}`), "bad-request");
      }
    });

    it("exports JSON lines with the same filters", async () => {
      const c = await make();
      await history(c);
      const r = await c.call(c.tokens.viewer.credential, "GET", "/api/v1/audit/export?kind=Node");
      expectOk(r);
      expect(r.headers["content-type"]).toMatch(/^application\/x-ndjson/);
      expect(r.body.endsWith("\n")).toBe(true);
      const lines = r.body
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l) as Entry);
      expect(lines).toEqual((await audit(c, "kind=Node&limit=1000")).items);
      const everything = await c.call(c.admin, "GET", "/api/v1/audit/export");
      expect(everything.body.trimEnd().split("\n")).toHaveLength((await audit(c, "limit=1000")).items.length);
      expect((await c.call(c.admin, "GET", "/api/v1/audit/export?actor=user:nobody")).body).toBe("");
      expectError(await c.call(c.admin, "GET", "/api/v1/audit/export?limit=5"), "bad-request");
    });
  });
}
