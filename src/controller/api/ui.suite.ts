/**
 * Shared API tests of what the web UI added: external peers' wg-quick files and key generation,
 * CSV/YAML import with per-line issues, the CSV node export, and the UI's static serving with
 * its client-side-route fallback. Run on every dialect by api.suite.ts.
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { publicKeyFromPrivate } from "../../keys/wgkeys.js";
import { buildApp } from "../app.js";
import { nodeCredential } from "../testing/agents.js";
import type { MakeController } from "../testing/api-harness.js";
import { corpController, corpYaml, NO_CREDENTIALS } from "../testing/api-harness.js";
import { expectError, expectOk } from "../testing/expect-api.js";

const CSV = `name,network,role,endpoint,subnets,hubs,labels
branch-muc,corp,spoke,,10.31.0.0/24,hub-fra,tier=branch city=munich
branch-lis,corp,spoke,,10.32.0.0/24 10.33.0.0/24,hub-fra hub-sgp,tier=branch
`;

export function uiApiSuite(make: MakeController): void {
  describe("external peers' wg-quick files", () => {
    it("serves an external node's file without a private key, and refuses hubs and spokes", async () => {
      const c = await corpController(make);
      const r = await c.call(c.tokens.viewer.credential, "GET", "/api/v1/nodes/laptop-alice/wg-quick");
      expectOk(r);
      expect(r.headers["content-type"]).toMatch(/^text\/plain/);
      expect(r.headers["content-disposition"]).toBe('attachment; filename="hw_corp_hub-fra.conf"');
      expect(r.body).toMatch(/^\[Interface\]$/m);
      expect(r.body).toMatch(/^PostUp = wg set %i private-key \/etc\/wireguard\/hw_corp_hub-fra\.key$/m);
      expect(r.body).not.toMatch(/PrivateKey/);
      // For WireGuard's apps: a PrivateKey line to paste over, no PostUp they would never run.
      const app = await c.call(c.admin, "GET", "/api/v1/nodes/laptop-alice/wg-quick?privateKey=placeholder");
      expectOk(app);
      expect(app.body).toMatch(/^PrivateKey = <paste this device's private key here>$/m);
      expect(app.body).not.toMatch(/PostUp/);
      expectError(
        await c.call(c.admin, "GET", "/api/v1/nodes/laptop-alice/wg-quick?privateKey=inline"),
        "bad-request",
      );
      expectError(await c.call(c.admin, "GET", "/api/v1/nodes/hub-fra/wg-quick"), "bad-request");
      expectError(await c.call(c.admin, "GET", "/api/v1/nodes/nobody/wg-quick"), "not-found");
      expectError(
        await c.call(c.admin, "GET", "/api/v1/nodes/laptop-alice/wg-quick?interface=hw_nope"),
        "not-found",
      );
    });

    it("writes the hub's preshared key into an external node's file on a preshared-key network", async () => {
      const c = await make();
      const yaml = corpYaml().replace("presharedKeys: false", "presharedKeys: true");
      expectOk(await c.call(c.admin, "POST", "/api/v1/apply", { body: yaml }));
      const r = await c.call(c.tokens.viewer.credential, "GET", "/api/v1/nodes/laptop-alice/wg-quick");
      expectOk(r);
      expect(r.headers["cache-control"]).toBe("no-store");
      expect(r.body).not.toMatch(/preshared-key|\.psk/);
      const inFile = /^PresharedKey = (\S+)$/m.exec(r.body)?.[1];
      expect(inFile).toBeDefined();
      // The same key the hub's agent is given for that pair.
      const fra = await nodeCredential(c.db, "hub-fra");
      const keys = (await c.call(fra, "GET", "/agent/v1/preshared-keys")).json() as {
        keys: Record<string, string>;
      };
      const pair = Object.entries(keys.keys).filter(([ref]) => ref.includes("laptop-alice"));
      expect(pair.map(([, key]) => key)).toEqual([inFile]);
      // Key generation returns the same preshared key alongside the new private key.
      const generated = await c.call(c.admin, "POST", "/api/v1/nodes/laptop-alice/wg-quick/generate-key", {
        body: { replaceExistingKey: true },
      });
      expectOk(generated);
      expect(generated.body).toMatch(new RegExp(`^PresharedKey = ${inFile!.replace(/[+/]/g, "\\$&")}$`, "m"));
    });

    it("generates a key pair once: the private key is in that answer only, the public key in the spec", async () => {
      const c = await corpController(make);
      const path = "/api/v1/nodes/laptop-alice/wg-quick/generate-key";
      // A viewer may not; a node that has a key needs the explicit replace flag.
      expectError(await c.call(c.tokens.viewer.credential, "POST", path, { body: {} }), "forbidden");
      expectError(await c.call(c.admin, "POST", path, { body: {} }), "conflict");
      const before = await c.revision();
      const r = await c.call(c.admin, "POST", path, { body: { replaceExistingKey: true } });
      expectOk(r);
      expect(r.headers["cache-control"]).toBe("no-store");
      const privateKey = /^PrivateKey = (\S+)$/m.exec(r.body)?.[1];
      expect(privateKey).toBeDefined();
      expect(r.body).not.toMatch(/private-key \//);
      const node = (await c.call(c.admin, "GET", "/api/v1/nodes/laptop-alice")).json() as {
        spec: { publicKey: string };
      };
      expect(node.spec.publicKey).toBe(publicKeyFromPrivate(privateKey!));
      expect(await c.revision()).toBe(before + 1);
      // The private key is nowhere afterwards: not in the download, the export or the audit log.
      const later = await c.call(c.admin, "GET", "/api/v1/nodes/laptop-alice/wg-quick");
      expect(later.body).not.toContain(privateKey!);
      expect(await c.exportYaml()).not.toContain(privateKey!);
      const audit = await c.call(c.admin, "GET", "/api/v1/audit/export");
      expect(audit.body).toContain(node.spec.publicKey);
      expect(audit.body).not.toContain(privateKey!);
      expectError(
        await c.call(c.admin, "POST", "/api/v1/nodes/branch-ber/wg-quick/generate-key", { body: {} }),
        "bad-request",
      );
    });
  });

  describe("a node's compiled configuration", () => {
    it("shows a viewer a node's interfaces, peers, routes and a hub's firewall, the same the agent gets", async () => {
      const c = await corpController(make);
      const r = await c.call(c.tokens.viewer.credential, "GET", "/api/v1/nodes/branch-sha/compiled");
      expectOk(r);
      const state = r.json<{
        kind: string;
        node: string;
        revision: string;
        interfaces: Array<{
          remote?: string;
          priority?: number;
          peers: Array<{ name: string }>;
          routes: unknown[];
        }>;
      }>();
      expect(state.kind).toBe("NodeConfig");
      expect(state.node).toBe("branch-sha");
      // One uplink per hub, ranked in the spoke's hub order, each with its hub as the peer.
      const uplinks = [...state.interfaces].sort((a, b) => (a.priority ?? 0) - (b.priority ?? 0));
      expect(uplinks.map((i) => i.remote)).toEqual(["hub-sgp", "hub-fra"]);
      expect(uplinks.map((i) => i.peers.map((p) => p.name))).toEqual([["hub-sgp"], ["hub-fra"]]);
      expect(uplinks[0]!.routes.length).toBeGreaterThan(0);
      const status = await c.call(c.admin, "GET", "/api/v1/node-status/branch-sha");
      expect(state.revision).toBe(status.json<{ desiredRevision: string }>().desiredRevision);
      const hub = await c.call(c.tokens.viewer.credential, "GET", "/api/v1/nodes/hub-fra/compiled");
      expect(hub.json<{ firewall?: { script: string } }>().firewall?.script).toMatch(/table inet/);
      expectError(await c.call(c.admin, "GET", "/api/v1/nodes/nobody/compiled"), "not-found");
      expectError(await c.call(c.admin, "GET", "/api/v1/nodes/Bad_Name/compiled"), "bad-request");
      expect((await c.call(NO_CREDENTIALS, "GET", "/api/v1/nodes/branch-sha/compiled")).statusCode).toBe(401);
    });
  });

  describe("import and CSV export", () => {
    it("imports a CSV node list: dry run changes nothing, the real run adds the nodes", async () => {
      const c = await corpController(make);
      const before = await c.revision();
      const dry = await c.call(c.admin, "POST", "/api/v1/import?dryRun=true", {
        body: { format: "csv", text: CSV },
      });
      expectOk(dry);
      const plan = dry.json() as { dryRun: boolean; resources: number; changes: Array<{ name: string }> };
      expect(plan.dryRun).toBe(true);
      expect(plan.resources).toBe(2);
      expect(plan.changes.map((ch) => ch.name).sort()).toEqual(["branch-lis", "branch-muc"]);
      expect(await c.revision()).toBe(before);
      expectError(
        await c.call(c.tokens.viewer.credential, "POST", "/api/v1/import", {
          body: { format: "csv", text: CSV },
        }),
        "forbidden",
      );
      expectOk(await c.call(c.admin, "POST", "/api/v1/import", { body: { format: "csv", text: CSV } }));
      expect(await c.revision()).toBe(before + 1);
      const muc = (await c.call(c.admin, "GET", "/api/v1/nodes/branch-muc")).json() as {
        metadata: { labels: Record<string, string> };
        spec: { subnets: string[] };
      };
      expect(muc.metadata.labels).toEqual({ tier: "branch", city: "munich" });
      expect(muc.spec.subnets).toEqual(["10.31.0.0/24"]);

      const exported = await c.call(c.tokens.viewer.credential, "GET", "/api/v1/export/nodes.csv");
      expectOk(exported);
      expect(exported.headers["content-type"]).toMatch(/^text\/csv/);
      expect(exported.body.split("\n")[0]).toBe(
        "name,network,role,endpoint,listenPort,tunnelAddress,tunnelAddress6,subnets,hubs,labels,publicKey,persistentKeepalive,description",
      );
      expect(exported.body).toMatch(
        /^branch-lis,corp,spoke,,,[0-9.]+,[0-9a-f:]*,10\.32\.0\.0\/24 10\.33\.0\.0\/24,hub-fra hub-sgp,tier=branch,,,$/m,
      );
      // The export re-imports to no change at all.
      const again = await c.call(c.admin, "POST", "/api/v1/import?dryRun=true", {
        body: { format: "csv", text: exported.body },
      });
      expectOk(again);
      expect((again.json() as { changes: unknown[] }).changes).toEqual([]);
    });

    it("names the line of every problem, in its own syntax and against the rest of the intent, and changes nothing", async () => {
      const c = await corpController(make);
      const before = await c.revision();
      const bad = `name,network,role,subnets,hubs\nok-1,corp,spoke,10.40.0.0/24,hub-fra\nbad-1,corp,spoke,10.41.0.0/99,hub-fra\nbad-2,corp,spoke,,\n`;
      const syntax = expectError(
        await c.call(c.admin, "POST", "/api/v1/import", { body: { format: "csv", text: bad } }),
        "validation-failed",
      );
      // The row's own error and, in the same answer, what the rest of the intent says of the others.
      expect(syntax.issues?.map((i) => `${i.source} ${i.kind}/${i.name} ${i.path}`)).toEqual([
        "line 3 Node/bad-1 spec.subnets[0]",
        "line 4 Node/bad-2 spec.hubs",
      ]);
      // Rows that are fine on their own but not with the rest (a spoke without a hub).
      const whole = expectError(
        await c.call(c.admin, "POST", "/api/v1/import", {
          body: {
            format: "csv",
            text: "name,network,role,subnets,hubs\nok-1,corp,spoke,10.40.0.0/24,hub-fra\nbad-2,corp,spoke,,\n",
          },
        }),
        "validation-failed",
      );
      expect(whole.issues?.map((i) => `${i.source} ${i.name} ${i.code}`)).toEqual([
        "line 3 bad-2 hub-required",
      ]);

      const yaml = `apiVersion: hubwire/v1\nkind: Node\nmetadata: { name: y-1 }\nspec: { network: corp, role: spoke, hubs: [hub-fra] }\n---\n# second\napiVersion: hubwire/v1\nkind: Node\nmetadata: { name: y-2 }\nspec: { network: corp, role: spoke, hubs: [hub-fra], subnets: [nope] }\n`;
      const y = expectError(
        await c.call(c.admin, "POST", "/api/v1/import", { body: { format: "yaml", text: yaml } }),
        "validation-failed",
      );
      expect(y.issues?.map((i) => `${i.source} ${i.name} ${i.path}`)).toEqual(["line 7 y-2 spec.subnets[0]"]);
      const broken = expectError(
        await c.call(c.admin, "POST", "/api/v1/import", { body: { format: "yaml", text: "a: 1\nb: [\n" } }),
        "validation-failed",
      );
      expect(broken.issues?.[0]?.source).toMatch(/^line \d+$/);
      expectError(
        await c.call(c.admin, "POST", "/api/v1/import", { body: { format: "yaml", text: "" } }),
        "bad-request",
      );
      expectError(
        await c.call(c.admin, "POST", "/api/v1/import", { body: { format: "xml", text: "<a/>" } }),
        "bad-request",
      );
      expect(await c.revision()).toBe(before);
    });
  });

  describe("web UI serving", () => {
    it("serves the UI at / and for client-side routes, but never for API, agent or operational paths", async () => {
      const c = await make();
      const dir = await mkdtemp(join(tmpdir(), "hubwire-webui-"));
      await writeFile(join(dir, "index.html"), "<!doctype html><title>ui</title>");
      const { mkdir } = await import("node:fs/promises");
      await mkdir(join(dir, "assets"));
      await writeFile(join(dir, "assets", "app-1234.js"), "console.log(1)");
      await writeFile(join(dir, ".secret"), "no");
      const app = await buildApp({ db: c.db, logger: false, webDir: dir });
      try {
        const get = (url: string) => app.inject({ method: "GET", url });
        for (const url of ["/", "/nodes", "/nodes/branch-ber?tab=peers", "/zh/anything"]) {
          const r = await get(url);
          expect(r.statusCode, url).toBe(200);
          expect(r.body).toBe("<!doctype html><title>ui</title>");
          expect(r.headers["content-security-policy"]).toMatch(/script-src 'self'/);
        }
        const asset = await get("/assets/app-1234.js");
        expect(asset.statusCode).toBe(200);
        expect(asset.headers["content-type"]).toMatch(/^text\/javascript/);
        expect(asset.headers["cache-control"]).toMatch(/immutable/);
        for (const url of [
          "/api/v1/nope",
          "/api",
          "/agent/v1/nope",
          "/enroll/v1/nope",
          "/metrics/x",
          "/healthz/x",
          "/assets/missing.js",
          "/assets/..%2f..%2fpackage.json",
          "/.secret",
        ]) {
          const r = await get(url);
          expect(r.body, url).not.toBe("no");
          expect(r.statusCode, url).toBe(404);
          expect(r.headers["content-type"], url).toMatch(/^application\/json/);
        }
        const post = await app.inject({ method: "POST", url: "/nodes" });
        expect(post.statusCode).toBe(404);
        expectOk(await c.call(NO_CREDENTIALS, "GET", "/healthz"));
      } finally {
        await app.close();
      }
    });
  });
}
