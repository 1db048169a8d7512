/**
 * Config delivery and status through the API, on each engine: the long poll answers at once when
 * the node's revision differs, holds until a change that affects the node (and only such a
 * change) wakes it, and times out with 204; status reports become the UI's node status, overview
 * and online/offline transitions in the audit log.
 */
import { describe, expect, it } from "vitest";
import type { DesiredState } from "../../model/index.js";
import { enrollmentConfig } from "../enroll/config.js";
import { nodeCredential, sampleReport } from "../testing/agents.js";
import type { Controller, MakeController } from "../testing/api-harness.js";
import { corpYaml } from "../testing/api-harness.js";
import { expectBareError, expectError, expectOk } from "../testing/expect-api.js";

const BER_KEY = "H++La879qB0g3H51LTRsfVUepdSE4kagfYhhpLYb020=";

async function corp(make: MakeController): Promise<Controller> {
  const c = await make({ withoutTokens: false });
  expectOk(await c.call(c.admin, "POST", "/api/v1/apply", { body: corpYaml() }));
  return c;
}

/** Applies a YAML change as the admin and returns the nodes it affected. */
async function change(c: Controller, yaml: string): Promise<string[]> {
  const r = await c.call(c.admin, "POST", "/api/v1/apply", { body: yaml });
  expectOk(r);
  return (r.json() as { nodes: string[] }).nodes;
}

const EDGE_RIG = (keepalive: number) => `apiVersion: hubwire/v1
kind: Node
metadata: { name: edge-rig, labels: { tier: edge, city: riga } }
spec:
  network: corp
  role: spoke
  tunnelAddress: 10.100.2.1
  subnets: [192.168.50.0/24]
  hubs: [hub-fra, hub-sgp]
  persistentKeepalive: ${keepalive}
  publicKey: 2UL66JEDUaIrTMITYqttf+YXNpwcNMs2rDetiuYTDks=
`;

/** Whether `p` is still pending after other work had a chance to run. */
async function pending(p: Promise<unknown>): Promise<boolean> {
  const marker = Symbol();
  return (await Promise.race([p, new Promise((r) => setTimeout(() => r(marker), 100))])) === marker;
}

export function deliveryApiSuite(make: MakeController): void {
  describe("GET /agent/v1/config", () => {
    it("answers at once without `have`, then holds until a change affecting the node", async () => {
      const c = await corp(make);
      const rig = await nodeCredential(c.db, "edge-rig");
      const nyc = await nodeCredential(c.db, "branch-nyc");
      const first = await c.call(rig, "GET", "/agent/v1/config");
      expectOk(first);
      const state = first.json() as DesiredState;
      expect(state).toMatchObject({ kind: "NodeConfig", node: "edge-rig", network: "corp" });
      const nycState = (await c.call(nyc, "GET", "/agent/v1/config")).json() as DesiredState;

      // A different `have` answers at once too.
      expectOk(await c.call(rig, "GET", "/agent/v1/config?have=stale&wait=30"));

      const rigPoll = c.call(
        rig,
        "GET",
        `/agent/v1/config?have=${encodeURIComponent(state.revision)}&wait=30`,
      );
      const nycPoll = c.call(
        nyc,
        "GET",
        `/agent/v1/config?have=${encodeURIComponent(nycState.revision)}&wait=2`,
      );
      expect(await pending(rigPoll)).toBe(true);
      const affected = await change(c, EDGE_RIG(25));
      expect(affected).toContain("edge-rig");
      expect(affected).not.toContain("branch-nyc");
      const woke = await rigPoll;
      expectOk(woke);
      const next = woke.json() as DesiredState;
      expect(next.revision).not.toBe(state.revision);
      expect(next.interfaces.some((i) => i.peers.some((p) => p.persistentKeepalive === 25))).toBe(true);
      // branch-nyc was not affected: its poll is still held, and ends unchanged.
      expect(await pending(nycPoll)).toBe(true);
      const timedOut = await nycPoll;
      expect(timedOut.statusCode).toBe(204);
      expect(timedOut.body).toBe("");
    });

    it("times out with 204 when nothing changes", async () => {
      const c = await corp(make);
      const rig = await nodeCredential(c.db, "edge-rig");
      const state = (await c.call(rig, "GET", "/agent/v1/config")).json() as DesiredState;
      const started = Date.now();
      const r = await c.call(
        rig,
        "GET",
        `/agent/v1/config?have=${encodeURIComponent(state.revision)}&wait=1`,
      );
      expect(r.statusCode).toBe(204);
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    });

    it("refuses nodes outside the intent, revoked or user credentials, and bad parameters", async () => {
      const c = await corp(make);
      const ghost = await nodeCredential(c.db, "ghost");
      expectError(await c.call(ghost, "GET", "/agent/v1/config"), "not-found");
      expectBareError(await c.call(c.tokens.admin.credential, "GET", "/agent/v1/config"), "unauthenticated");
      const rig = await nodeCredential(c.db, "edge-rig");
      expectError(await c.call(rig, "GET", "/agent/v1/config?wait=61"), "bad-request");
      expectError(await c.call(rig, "GET", "/agent/v1/config?wait=soon"), "bad-request");
      expectError(await c.call(rig, "GET", "/agent/v1/config?whatever=1"), "bad-request");
      const { revokeNodeCredentialOf } = await import("../auth/node-credentials.js");
      await c.db.transaction((tx) => revokeNodeCredentialOf(tx, "edge-rig", new Date()));
      expectBareError(await c.call(rig, "GET", "/agent/v1/config"), "unauthenticated");
    });

    it("wakes a held poll when the node is deleted (404)", async () => {
      const c = await corp(make);
      const nyc = await nodeCredential(c.db, "branch-nyc");
      const state = (await c.call(nyc, "GET", "/agent/v1/config")).json() as DesiredState;
      const poll = c.call(nyc, "GET", `/agent/v1/config?have=${encodeURIComponent(state.revision)}&wait=30`);
      expect(await pending(poll)).toBe(true);
      expectOk(await c.call(c.admin, "DELETE", "/api/v1/nodes/branch-nyc"), 204);
      expectError(await poll, "not-found");
    });
  });

  describe("GET /agent/v1/preshared-keys", () => {
    it("gives both ends of a pair the same key, and a node only its own pairs' keys", async () => {
      const c = await corp(make);
      const rig = await nodeCredential(c.db, "edge-rig");
      const fra = await nodeCredential(c.db, "hub-fra");
      const nyc = await nodeCredential(c.db, "branch-nyc");
      const keysOf = async (credential: typeof rig) => {
        const r = await c.call(credential, "GET", "/agent/v1/preshared-keys");
        expectOk(r);
        expect(r.headers["cache-control"]).toBe("no-store");
        return (r.json() as { keys: Record<string, string> }).keys;
      };
      expect(await keysOf(rig)).toEqual({}); // the network has none yet

      const network = corpYaml()
        .split("---")
        .find((d) => /kind: Network/.test(d))!
        .replace("presharedKeys: false", "presharedKeys: true");
      await change(c, network);
      const rigKeys = await keysOf(rig);
      const fraKeys = await keysOf(fra);
      const nycKeys = await keysOf(nyc);
      const state = (await c.call(rig, "GET", "/agent/v1/config")).json() as DesiredState;
      const refs = state.interfaces.flatMap((i) => i.peers.map((p) => p.presharedKeyRef));
      expect(Object.keys(rigKeys).sort()).toEqual([...new Set(refs)].sort());
      expect(Object.keys(rigKeys)).toEqual(expect.arrayContaining(["corp.edge-rig.hub-fra"]));
      for (const k of Object.values(rigKeys)) expect(Buffer.from(k, "base64")).toHaveLength(32);
      // Both ends of edge-rig ↔ hub-fra hold the same key; branch-nyc holds none of edge-rig's.
      expect(fraKeys["corp.edge-rig.hub-fra"]).toBe(rigKeys["corp.edge-rig.hub-fra"]);
      expect(Object.keys(nycKeys).some((r) => r.includes("edge-rig"))).toBe(false);
      expect(new Set(Object.values(fraKeys)).size).toBe(Object.keys(fraKeys).length);
      // Stable across calls (derived, not drawn anew).
      expect(await keysOf(rig)).toEqual(rigKeys);
    });
  });

  describe("POST /agent/v1/status and the status read API", () => {
    it("takes a hub's report of thousands of peers on the enrollment listener, where agents send it", async () => {
      const c = await make({
        withoutTokens: false,
        enroll: enrollmentConfig({ urls: ["https://x.test"], caSha256: "ab".repeat(32), caPem: "" }),
      });
      expectOk(await c.call(c.admin, "POST", "/api/v1/apply", { body: corpYaml() }));
      const fra = await nodeCredential(c.db, "hub-fra");
      const peers = Array.from({ length: 2000 }, (_, i) => ({
        publicKey: Buffer.alloc(32, i % 251).toString("base64"),
        rx: i,
        tx: i,
      }));
      const body = JSON.stringify(sampleReport(null, peers));
      expect(body.length).toBeGreaterThan(64 * 1024); // the listener's limit for other bodies
      const r = await c.enrollApp!.inject({
        method: "POST",
        url: "/agent/v1/status",
        headers: { authorization: `Bearer ${fra.token}`, "content-type": "application/json" },
        payload: body,
      });
      expect(r.statusCode, r.body).toBe(204);
      // Without a node's credential the body is never read: refused before it.
      const anonymous = await c.enrollApp!.inject({
        method: "POST",
        url: "/agent/v1/status",
        headers: { "content-type": "application/json" },
        payload: body,
      });
      expect(anonymous.statusCode).toBe(401);
    });

    it("stores reports, derives online/offline and records transitions", async () => {
      const c = await corp(make);
      const ber = await nodeCredential(c.db, "branch-ber");
      const fra = await nodeCredential(c.db, "hub-fra");
      const berState = (await c.call(ber, "GET", "/agent/v1/config")).json() as DesiredState;
      const fraState = (await c.call(fra, "GET", "/agent/v1/config")).json() as DesiredState;
      const handshake = Math.floor(c.clock.now().getTime() / 1000) - 30;
      const hubKey = berState.interfaces[0]!.peers[0]!.publicKey;
      expectOk(
        await c.call(ber, "POST", "/agent/v1/status", {
          body: sampleReport(berState.revision, [{ publicKey: hubKey, rx: 100, tx: 200, handshake }]),
        }),
        204,
      );
      expectOk(
        await c.call(fra, "POST", "/agent/v1/status", {
          body: sampleReport(null, [
            { publicKey: BER_KEY, rx: 1000, tx: 2000, handshake },
            { publicKey: "unknownkeyunknownkeyunknownkeyunknownkey000=", rx: 1, tx: 1 },
          ]),
        }),
        204,
      );

      const one = await c.call(c.tokens.viewer.credential, "GET", "/api/v1/node-status/branch-ber");
      expectOk(one);
      expect(one.json()).toMatchObject({
        node: "branch-ber",
        network: "corp",
        role: "spoke",
        online: true,
        agentVersion: "0.1.0-test",
        appliedRevision: berState.revision,
        desiredRevision: berState.revision,
        applyError: null,
        rxBytes: 100,
        txBytes: 200,
        peers: [{ name: berState.interfaces[0]!.peers[0]!.name, rxBytes: 100, handshakeAgeSeconds: 30 }],
        history: [{ rxBytes: 100, txBytes: 200 }],
      });
      const hub = (await c.call(c.admin, "GET", "/api/v1/node-status/hub-fra")).json() as {
        peers: Array<{ name: string | null; handshakeAgeSeconds: number | null }>;
        appliedRevision: string | null;
        desiredRevision: string;
      };
      expect(hub.peers.map((p) => p.name)).toEqual(["branch-ber", null]);
      expect(hub.peers[1]!.handshakeAgeSeconds).toBeNull();
      expect(hub.appliedRevision).toBeNull();
      expect(hub.desiredRevision).toBe(fraState.revision);

      const online = await c.call(c.admin, "GET", "/api/v1/node-status?online=true");
      expect((online.json() as { items: Array<{ node: string }> }).items.map((i) => i.node)).toEqual([
        "branch-ber",
        "hub-fra",
      ]);
      const spokesOffline = (
        await c.call(c.admin, "GET", "/api/v1/node-status?online=false&role=spoke")
      ).json() as {
        items: Array<{ node: string; lastSeenAt: string | null; online: boolean }>;
      };
      expect(spokesOffline.items.map((i) => i.node)).toEqual(["branch-nyc", "branch-sha", "edge-rig"]);
      expect(spokesOffline.items[0]).toMatchObject({ online: false, lastSeenAt: null });

      const overview = (await c.call(c.admin, "GET", "/api/v1/overview")).json();
      expect(overview).toMatchObject({
        nodes: {
          total: 7,
          online: 2,
          offline: 5,
          byRole: {
            hub: { online: 1, offline: 1 },
            spoke: { online: 1, offline: 3 },
            external: { online: 0, offline: 1 },
          },
        },
        hubs: [
          { name: "hub-fra", network: "corp", online: true, peers: 2, peersWithRecentHandshake: 1 },
          { name: "hub-sgp", online: false, peers: 0 },
        ],
        traffic: { rxBytes: 1101, txBytes: 2201 },
        revision: await c.revision(),
      });

      // Three missed reports later the node is offline; the sweep records it once.
      c.clock.advance(16_000);
      const after = (await c.call(c.admin, "GET", "/api/v1/node-status/branch-ber")).json() as {
        online: boolean;
      };
      expect(after.online).toBe(false);
      const audit = async (action: string) =>
        (
          (await c.call(c.admin, "GET", `/api/v1/audit?action=${action}`)).json() as {
            items: Array<{ name: string; actor: string }>;
          }
        ).items.map((i) => i.name);
      expect(await audit("node-online")).toEqual(["hub-fra", "branch-ber"]);
      expect(await c.delivery.status.sweep()).toEqual(["branch-ber", "hub-fra"]);
      expect(await c.delivery.status.sweep()).toEqual([]);
      expect(await audit("node-offline")).toEqual(["hub-fra", "branch-ber"]);
      // Back: one more node-online entry.
      expectOk(await c.call(ber, "POST", "/agent/v1/status", { body: sampleReport(berState.revision) }), 204);
      expectOk(await c.call(ber, "POST", "/agent/v1/status", { body: sampleReport(berState.revision) }), 204);
      expect(await audit("node-online")).toEqual(["branch-ber", "hub-fra", "branch-ber"]);
    });

    it("attaches a spoke to the hub it reports only once that hub's own handshake agrees, and reroutes the hubs", async () => {
      const c = await corp(make);
      const creds = new Map<string, Awaited<ReturnType<typeof nodeCredential>>>();
      for (const n of ["branch-ber", "hub-sgp", "branch-nyc", "hub-fra"])
        creds.set(n, await nodeCredential(c.db, n));
      const ber = creds.get("branch-ber")!;
      const sgp = creds.get("hub-sgp")!;
      const nyc = creds.get("branch-nyc")!;
      const state = async (node: string) =>
        (await c.call(creds.get(node)!, "GET", "/agent/v1/config")).json() as DesiredState;
      const view = async (node: string) =>
        (await c.call(c.admin, "GET", `/api/v1/node-status/${node}`)).json() as {
          activeHub: string | null;
          attachedSpokes: number | null;
          links: unknown[];
          failovers: number;
        };
      const linkRoute = async (hub: string, link: string, prefix: string) =>
        (await state(hub)).interfaces.find((i) => i.name === link)!.routes.filter((r) => r.prefix === prefix);
      const now = () => Math.floor(c.clock.now().getTime() / 1000);
      const berReport = () => ({
        ...sampleReport(null),
        activeHub: "hub-sgp",
        failovers: 1,
        links: [
          {
            interface: "hw_corp_hub-fra",
            remote: "hub-fra",
            priority: 0,
            state: "down" as const,
            rttMs: null,
            loss: 1,
            probesSent: 40,
            probesLost: 12,
            since: c.clock.now().toISOString(),
          },
          {
            interface: "hw_corp_hub-sgp",
            remote: "hub-sgp",
            priority: 1,
            state: "up" as const,
            rttMs: 180.5,
            loss: 0,
            probesSent: 40,
            probesLost: 0,
            since: null,
          },
        ],
      });
      const revision0 = await c.revision();
      const fraBefore = (await state("hub-fra")).revision;
      const berBefore = (await state("branch-ber")).revision;
      const sgpCarried = (await view("hub-sgp")).attachedSpokes!;
      expect(await linkRoute("hub-fra", "hw_corp_hub-sgp", "10.64.8.0/24")).toEqual([
        { prefix: "10.64.8.0/24", metric: 301 },
      ]);

      // The spoke's claim alone moves nothing: hub-sgp has not reported.
      expectOk(await c.call(ber, "POST", "/agent/v1/status", { body: berReport() }), 204);
      expect(await c.revision()).toBe(revision0);
      expect(await view("branch-ber")).toMatchObject({ activeHub: "hub-sgp", failovers: 1 });
      expect((await view("branch-ber")).links).toHaveLength(2);
      // Nor does a hub whose handshake with the spoke is older than WireGuard keeps a session.
      const stale = sampleReport(null, [{ publicKey: BER_KEY, handshake: now() - 200 }]);
      expectOk(await c.call(sgp, "POST", "/agent/v1/status", { body: stale }), 204);
      expectOk(await c.call(ber, "POST", "/agent/v1/status", { body: berReport() }), 204);
      expect(await c.revision()).toBe(revision0);

      // Both agree: one revision, the hubs rerouted, the spoke's own state untouched, audited.
      const fresh = sampleReport(null, [{ publicKey: BER_KEY, handshake: now() - 5 }]);
      expectOk(await c.call(sgp, "POST", "/agent/v1/status", { body: fresh }), 204);
      expectOk(await c.call(ber, "POST", "/agent/v1/status", { body: berReport() }), 204);
      expect(await c.revision()).toBe(revision0 + 1);
      expect((await state("hub-fra")).revision).not.toBe(fraBefore);
      expect((await state("branch-ber")).revision).toBe(berBefore);
      expect(await linkRoute("hub-fra", "hw_corp_hub-sgp", "10.64.8.0/24")).toEqual([
        { prefix: "10.64.8.0/24", metric: 100 },
      ]);
      expect((await view("hub-sgp")).attachedSpokes).toBe(sgpCarried + 1);
      const audit = (
        (await c.call(c.admin, "GET", "/api/v1/audit?action=node-attached")).json() as {
          items: Array<{ name: string; actor: string; before: unknown; after: unknown }>;
        }
      ).items;
      expect(audit).toEqual([
        expect.objectContaining({
          name: "branch-ber",
          actor: "system",
          before: { activeHub: "hub-fra" },
          after: { activeHub: "hub-sgp" },
        }),
      ]);
      // The same claim again changes nothing; a hub the spoke does not list is never taken.
      expectOk(await c.call(ber, "POST", "/agent/v1/status", { body: berReport() }), 204);
      expect(await c.revision()).toBe(revision0 + 1);

      const metrics = (await c.call({ kind: "none" }, "GET", "/metrics")).body;
      expect(metrics).toContain(
        'hubwire_link_up{node="branch-ber",interface="hw_corp_hub-fra",remote="hub-fra"} 0',
      );
      expect(metrics).toContain(
        'hubwire_link_probe_rtt_seconds{node="branch-ber",interface="hw_corp_hub-sgp",remote="hub-sgp"} 0.1805',
      );
      expect(metrics).toContain(
        'hubwire_link_probes_lost_total{node="branch-ber",interface="hw_corp_hub-fra",remote="hub-fra"} 12',
      );
      expect(metrics).toContain('hubwire_failovers_total{node="branch-ber",network="corp",role="spoke"} 1');
      expect(metrics).toContain('hubwire_hub_spokes{hub="hub-sgp",network="corp"} 1');
      expectOk(
        await c.call(nyc, "POST", "/agent/v1/status", {
          body: { ...sampleReport(null), activeHub: "hub-sgp" },
        }),
        204,
      );
      expect(await c.revision()).toBe(revision0 + 1);
    });

    it("paginates by name and refuses bad input", async () => {
      const c = await corp(make);
      const seen: string[] = [];
      let after: string | undefined;
      do {
        const r = await c.call(
          c.admin,
          "GET",
          `/api/v1/node-status?limit=3${after ? `&after=${after}` : ""}`,
        );
        expectOk(r);
        const page = r.json() as { items: Array<{ node: string }>; next?: string };
        expect(page.items.length).toBeLessThanOrEqual(3);
        seen.push(...page.items.map((i) => i.node));
        after = page.next;
      } while (after);
      expect(seen).toEqual([...seen].sort());
      expect(seen).toHaveLength(7);
      expectError(await c.call(c.admin, "GET", "/api/v1/node-status?online=maybe"), "bad-request");
      expectError(await c.call(c.admin, "GET", "/api/v1/node-status/nope"), "not-found");
      const ber = await nodeCredential(c.db, "branch-ber");
      const bad = await c.call(ber, "POST", "/agent/v1/status", {
        body: { agentVersion: "x", interfaces: "no" },
      });
      expectError(bad, "bad-request");
      const negative = sampleReport(null, [{ publicKey: BER_KEY, rx: -1 }]);
      expectError(await c.call(ber, "POST", "/agent/v1/status", { body: negative }), "bad-request");
      const status = (await c.call(c.admin, "GET", "/api/v1/node-status/branch-ber")).json() as {
        lastSeenAt: null;
      };
      expect(status.lastSeenAt).toBeNull();
      expectBareError(
        await c.call(c.admin, "POST", "/agent/v1/status", { body: sampleReport(null) }),
        "unauthenticated",
      );
    });
  });
}
