/**
 * Shared tests of enrollment state across export → apply/import (SPEC §4, §8): an approved node
 * stays approved in the controller the export is applied to, a revoked one revoked, a rejected one
 * rejected — restored only into a controller that lacks the Enrollment, by a role that may decide
 * enrollments, audited; an export can never change a state that exists. Run on every dialect.
 */

import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { generatePrivateKey, publicKeyFromPrivate } from "../../keys/wgkeys.js";
import type { Principal } from "../auth/principal.js";
import { IntentStore } from "../state/intent-store.js";
import type { Controller, MakeController } from "../testing/api-harness.js";
import * as enroll from "../testing/enroll-fixture.js";
import { checkStateRestore } from "./routes/apply.js";

const stateOfEnrollment = async (c: Controller, name: string) =>
  ((await c.call(c.admin, "GET", `/api/v1/enrollments/${name}`)).json() as { status?: { state?: string } })
    .status?.state;

const hubPeers = async (c: Controller) =>
  (await new IntentStore(c.db).current()).compiled
    .get("hub-fra")!
    .interfaces.flatMap((i) => i.peers.map((p) => p.publicKey));

/** The restore (export applied or imported into `b`) succeeded: `b` holds every EXPECTED state. */
async function expectRestored(b: Controller, r: { statusCode: number; body: string }) {
  expect(r.statusCode, r.body).toBe(200);
  for (const [name, state] of Object.entries(EXPECTED)) expect(await stateOfEnrollment(b, name)).toBe(state);
}

/** A controller with one enrollment in each state, and the private keys it enrolled with. */
async function source(make: MakeController) {
  const c = await enroll.enrollController(make);
  const lab = await enroll.joinToken(c, "lab");
  const ok = await enroll.enrollNode(c, lab, "lab-ok");
  const rev = await enroll.enrollNode(c, lab, "lab-rev");
  expect((await c.call(c.admin, "POST", "/api/v1/nodes/lab-rev/revoke")).statusCode).toBe(200);
  const branches = await enroll.joinToken(c, "branches");
  const rej = generatePrivateKey();
  await enroll.postJoin(c, enroll.joinBody(c, branches, "branch-rej", rej, { subnets: ["10.64.73.0/24"] }));
  const rejected = await c.call(c.admin, "POST", "/api/v1/enrollments/branch-rej/reject", {
    body: { reason: "unknown site" },
  });
  expect(rejected.statusCode).toBe(200);
  await enroll.postJoin(
    c,
    enroll.joinBody(c, branches, "branch-pend", generatePrivateKey(), { subnets: ["10.64.74.0/24"] }),
  );
  return { c, keys: { ok: ok.privateKey, rev: rev.privateKey, rej } };
}

const EXPECTED = {
  "lab-ok": "Approved",
  "lab-rev": "Revoked",
  "branch-rej": "Rejected",
  "branch-pend": "Pending",
};

export function enrollmentExportApiSuite(make: MakeController): void {
  describe("enrollment state across export and apply/import", () => {
    it("export carries each enrollment's state; apply restores it, audited, and a later join sees it", async () => {
      const { c: a, keys } = await source(make);
      const yaml = await a.exportYaml();
      const docs = parseAllDocuments(yaml).map(
        (d) => d.toJS() as { kind: string; metadata: { name: string }; status?: Record<string, unknown> },
      );
      const exported = Object.fromEntries(
        docs.filter((d) => d.kind === "Enrollment").map((d) => [d.metadata.name, d.status?.state]),
      );
      expect(exported).toEqual(EXPECTED);
      expect(docs.find((d) => d.metadata.name === "branch-rej")?.status).toMatchObject({
        reason: "unknown site",
        decidedBy: "user:admin",
        decidedAt: expect.any(String),
        requestedAt: expect.any(String),
      });
      // Only Enrollments keep their status.
      expect(docs.filter((d) => d.kind !== "Enrollment" && d.status !== undefined)).toEqual([]);

      const b = await enroll.enrollController(make);
      const r = await b.call(b.tokens.operator.credential, "POST", "/api/v1/apply", { body: yaml });
      await expectRestored(b, r);
      expect(await enroll.audited(b, "restore-state", "lab-rev")).toMatchObject({
        actor: "token:ci-operator",
        after: { state: "Revoked" },
      });
      expect(await enroll.audited(b, "restore-state", "branch-rej")).toMatchObject({
        after: { state: "Rejected", reason: "unknown site" },
      });
      // The approved node is a peer of its hub; the revoked one is not.
      const peers = await hubPeers(b);
      expect(peers).toContain(publicKeyFromPrivate(keys.ok));
      expect(peers).not.toContain(publicKeyFromPrivate(keys.rev));
      // Joins on the new controller meet the restored states.
      const lab = await enroll.joinToken(b, "lab");
      expect(enroll.reasonOf(await enroll.postJoin(b, enroll.joinBody(b, lab, "lab-rev", keys.rev)))).toBe(
        "node-revoked",
      );
      const branches = await enroll.joinToken(b, "branches");
      const again = enroll.joinBody(b, branches, "branch-rej", keys.rej, { subnets: ["10.64.73.0/24"] });
      expect(enroll.reasonOf(await enroll.postJoin(b, again))).toBe("enrollment-rejected");

      // Re-applying the same export changes nothing.
      const revision = await b.revision();
      expect((await b.call(b.admin, "POST", "/api/v1/apply", { body: yaml })).statusCode).toBe(200);
      expect(await b.revision()).toBe(revision);
    });

    it("import restores the states too", async () => {
      const { c: a } = await source(make);
      const b = await make();
      const r = await b.call(b.admin, "POST", "/api/v1/import", {
        body: { format: "yaml", text: await a.exportYaml() },
      });
      await expectRestored(b, r);
      expect(await enroll.audited(b, "restore-state", "lab-ok")).toMatchObject({
        actor: "user:admin",
        after: { state: "Approved" },
      });
    });

    it("never changes an existing state, refuses a malformed one and needs the decision role", async () => {
      const { c } = await source(make);
      const yaml = await c.exportYaml();
      const before = await enroll.stateOf(c);
      // An old export cannot bring a revoked node back, nor approve a pending one.
      for (const [from, to] of [
        ["lab-rev", "Approved"],
        ["branch-pend", "Approved"],
        ["lab-ok", "Pending"],
      ] as const) {
        const forged = yaml.replace(
          new RegExp(`(name: ${from}\\n[\\s\\S]*?\\nstatus:\\n  state: )\\w+`),
          `$1${to}`,
        );
        expect(forged).not.toBe(yaml);
        for (const url of ["/api/v1/apply"]) {
          const r = await c.call(c.admin, "POST", url, { body: forged });
          expect(r.statusCode, r.body).toBe(409);
          expect(r.json()).toMatchObject({ error: { issues: [{ name: from, path: "status.state" }] } });
        }
        const imported = await c.call(c.admin, "POST", "/api/v1/import", {
          body: { format: "yaml", text: forged },
        });
        expect(imported.statusCode).toBe(409);
      }
      expect(await enroll.stateOf(c)).toEqual(before);

      const b = await enroll.enrollController(make);
      const fresh = await enroll.stateOf(b);
      const bad = (field: string, value: string) =>
        yaml.replace(
          new RegExp(`(name: lab-ok\\n[\\s\\S]*?\\nstatus:\\n(?:  .*\\n)*?  ${field}: )\\S+`),
          `$1${value}`,
        );
      for (const [field, value] of [
        ["state", "Approvedd"],
        ["decidedAt", "yesterday"],
      ] as const) {
        const r = await b.call(b.admin, "POST", "/api/v1/apply", { body: bad(field, value) });
        expect(r.statusCode, r.body).toBe(422);
        expect(r.json()).toMatchObject({
          error: {
            code: "validation-failed",
            issues: [{ kind: "Enrollment", name: "lab-ok", path: `status.${field}` }],
          },
        });
      }
      expect(
        (await b.call(b.tokens.viewer.credential, "POST", "/api/v1/apply", { body: yaml })).statusCode,
      ).toBe(403);
      expect(await enroll.stateOf(b)).toEqual(fresh);

      // The restore asks for the enrollment-decision role itself, whatever apply's route needs.
      const as = (role: Principal["role"]) => ({ kind: "user", id: "u", actor: "user:u", role }) as Principal;
      const withState = [
        { kind: "Enrollment", metadata: { name: "x" }, status: { state: "Approved" } },
      ] as never;
      expect(() => checkStateRestore(as("viewer"), withState)).toThrow(
        /may not set the state of Enrollment\/x/,
      );
      expect(() => checkStateRestore(as("operator"), withState)).not.toThrow();
      expect(() => checkStateRestore(as("viewer"), [])).not.toThrow();
    });
  });
}
