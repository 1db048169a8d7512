/**
 * Shared tests of the blast-radius guard (SPEC §5), on every engine: a hub's revision that would
 * remove too many of the peers last delivered to it is held (the hub's poll answers "unchanged"),
 * listed, audited and on /metrics, until an operator confirms it; a restore of an old backup is
 * compared with what the hub really runs.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { DesiredState } from "../../model/index.js";
import type { HoldView } from "../api/routes/delivery-holds.js";
import { nodeCredential } from "../testing/agents.js";
import {
  type Controller,
  type Credential,
  corpController,
  corpYaml,
  EXAMPLES_DIR,
  type MakeController,
} from "../testing/api-harness.js";
import { expectError, expectOk } from "../testing/expect-api.js";

const SPOKES = ["branch-sha", "branch-ber", "branch-nyc", "edge-rig"];

async function corp(make: MakeController): Promise<{ c: Controller; hub: Credential; first: DesiredState }> {
  const c = await corpController(make);
  const hub = await nodeCredential(c.db, "hub-fra");
  const r = await c.call(hub, "GET", "/agent/v1/config?wait=0");
  expect(r.statusCode, r.body).toBe(200);
  return { c, hub, first: r.json() as DesiredState };
}

const poll = (c: Controller, hub: Credential, have: string, wait = 0) =>
  c.call(hub, "GET", `/agent/v1/config?have=${encodeURIComponent(have)}&wait=${wait}`);

const holds = async (c: Controller) =>
  (
    (await c.call(c.tokens.viewer.credential, "GET", "/api/v1/delivery-holds")).json() as {
      items: HoldView[];
    }
  ).items;

const peerNames = (s: DesiredState) => s.interfaces.flatMap((i) => i.peers.map((p) => p.name)).sort();

async function deleteNodes(c: Controller, names: readonly string[]): Promise<void> {
  for (const n of names) expectOk(await c.call(c.admin, "DELETE", `/api/v1/nodes/${n}`), 204);
}

async function metricsText(c: Controller): Promise<string> {
  return (await c.app.inject({ method: "GET", url: "/metrics" })).body;
}

export function guardApiSuite(make: MakeController): void {
  describe("blast-radius guard", () => {
    it("delivers a small removal, holds a large one (counted from what the hub last got), until confirmed", async () => {
      const { c, hub, first } = await corp(make);
      expect(peerNames(first)).toEqual([
        "branch-ber",
        "branch-nyc",
        "branch-sha",
        "edge-rig",
        "hub-sgp",
        "laptop-alice",
      ]);
      // One spoke of six: delivered.
      await deleteNodes(c, ["edge-rig"]);
      const second = await poll(c, hub, first.revision);
      expect(second.statusCode).toBe(200);
      const moved = second.json() as DesiredState;
      expect(peerNames(moved)).not.toContain("edge-rig");
      // A change that keeps the hub's peers (a site subnet moves): delivered; the baseline's
      // revision moves with it, its peers are not rewritten.
      expectOk(
        await c.call(c.admin, "PATCH", "/api/v1/nodes/branch-nyc", {
          body: { spec: { subnets: ["10.64.19.0/24"] } },
        }),
      );
      const third = await poll(c, hub, moved.revision);
      expect(third.statusCode).toBe(200);
      const delivered = third.json() as DesiredState;
      expect(delivered.revision).not.toBe(moved.revision);
      expect(peerNames(delivered)).toEqual(peerNames(moved));
      // Three more of the five delivered, in separate writes the hub never saw: 3 > 50 % of 5.
      await deleteNodes(c, ["branch-sha", "branch-ber", "branch-nyc"]);
      const held = await poll(c, hub, delivered.revision);
      expect(held.statusCode, held.body).toBe(204);
      // Without a revision (a restarted agent) the hub gets nothing either: it keeps what it runs.
      expect((await c.call(hub, "GET", "/agent/v1/config?wait=0")).statusCode).toBe(204);

      const [h, ...more] = await holds(c);
      expect(more).toEqual([]);
      expect(h).toMatchObject({
        node: "hub-fra",
        baselineRevision: delivered.revision,
        peersBefore: 5,
        removed: 3,
        removedNames: ["branch-ber", "branch-nyc", "branch-sha"],
      });
      const metrics = await metricsText(c);
      expect(metrics).toContain('hubwire_delivery_held{node="hub-fra"} 1');
      expect(metrics).toContain('hubwire_delivery_held_removed_peers{node="hub-fra"} 3');
      const audit = (
        await c.call(c.admin, "GET", "/api/v1/audit?action=delivery-held&name=hub-fra")
      ).json() as { items: Array<{ actor: string; after: { removed: number } }> };
      expect(audit.items).toHaveLength(1);
      expect(audit.items[0]).toMatchObject({ actor: "system", after: { removed: 3 } });

      // Only an operator confirms, and only the revision that is held.
      expectError(
        await c.call(c.tokens.viewer.credential, "POST", "/api/v1/delivery-holds/hub-fra/confirm"),
        "forbidden",
      );
      expectError(
        await c.call(c.tokens.operator.credential, "POST", "/api/v1/delivery-holds/hub-fra/confirm", {
          body: { revision: delivered.revision },
        }),
        "conflict",
      );
      expectError(
        await c.call(c.tokens.operator.credential, "POST", "/api/v1/delivery-holds/hub-sgp/confirm"),
        "not-found",
      );
      expect((await holds(c)).map((x) => x.node)).toEqual(["hub-fra"]);
      // A held poll waiting for a change is answered by the confirmation.
      const waiting = poll(c, hub, delivered.revision, 30);
      const confirmed = await c.call(
        c.tokens.operator.credential,
        "POST",
        "/api/v1/delivery-holds/hub-fra/confirm",
        {
          body: { revision: h!.revision },
        },
      );
      expectOk(confirmed);
      const answer = await waiting;
      expect(answer.statusCode).toBe(200);
      const after = answer.json() as DesiredState;
      expect(after.revision).toBe(h!.revision);
      expect(peerNames(after)).toEqual(["hub-sgp", "laptop-alice"]);
      expect(await holds(c)).toEqual([]);
      expect(await metricsText(c)).not.toContain("hubwire_delivery_held{");
      const confirmations = (
        await c.call(c.admin, "GET", "/api/v1/audit?action=delivery-confirmed&name=hub-fra")
      ).json() as { items: Array<{ actor: string }> };
      expect(confirmations.items.map((e) => e.actor)).toEqual([`token:${c.tokens.operator.name}`]);
    });

    it("ends a hold without confirmation when the intent no longer removes that much", async () => {
      const { c, hub, first } = await corp(make);
      await deleteNodes(c, SPOKES);
      expect((await poll(c, hub, first.revision)).statusCode).toBe(204);
      expect(await holds(c)).toHaveLength(1);
      // The bad bulk edit is undone: the same peers again, nothing to hold.
      expectOk(await c.call(c.admin, "POST", "/api/v1/apply", { body: corpYaml() }));
      const r = await poll(c, hub, "stale");
      expect(r.statusCode).toBe(200);
      expect(peerNames(r.json() as DesiredState)).toEqual(peerNames(first));
      expect(await holds(c)).toEqual([]);
      const released = (
        await c.call(c.admin, "GET", "/api/v1/audit?action=delivery-hold-released&name=hub-fra")
      ).json() as { items: unknown[] };
      expect(released.items).toHaveLength(1);
    });

    it("holds a restored old backup against what the hub runs, and a restore keeps the hold", async () => {
      const c = await make();
      // The old backup: the network and its hubs, no spokes yet.
      const only = ["network.yaml", "hubs.yaml"].map((f) =>
        readFileSync(join(EXAMPLES_DIR, "corp", f), "utf8"),
      );
      expectOk(await c.call(c.admin, "POST", "/api/v1/apply", { body: only.join("\n---\n") }));
      const backup = await c.call(c.admin, "GET", "/api/v1/backup?format=jsonl");
      expect(backup.statusCode).toBe(200);
      expectOk(await c.call(c.admin, "POST", "/api/v1/apply", { body: corpYaml() }));
      const hub = await nodeCredential(c.db, "hub-fra");
      const now = await c.call(hub, "GET", "/agent/v1/config?wait=0");
      expect(peerNames(now.json() as DesiredState)).toHaveLength(6);
      const restored = await c.call(c.admin, "POST", "/api/v1/restore", {
        body: backup.body,
        contentType: "application/x-ndjson",
      });
      expectOk(restored);
      // The restored database knows no credential of hub-fra made after the backup: make one.
      const again = await nodeCredential(c.db, "hub-fra");
      const r = await c.call(
        again,
        "GET",
        `/agent/v1/config?have=${(now.json() as DesiredState).revision}&wait=0`,
      );
      expect(r.statusCode, r.body).toBe(204);
      const [h] = await holds(c);
      expect(h).toMatchObject({ node: "hub-fra", peersBefore: 6, removed: 5 });
      // A restore does not wipe the guard's record of what hubs run: the same backup again still holds.
      expectOk(
        await c.call(c.admin, "POST", "/api/v1/restore", {
          body: backup.body,
          contentType: "application/x-ndjson",
        }),
      );
      const third = await nodeCredential(c.db, "hub-fra");
      expect((await c.call(third, "GET", "/agent/v1/config?wait=0")).statusCode).toBe(204);
      expect((await holds(c)).map((x) => x.node)).toEqual(["hub-fra"]);
    });
  });
}
