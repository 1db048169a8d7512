/** Shared API tests of health, readiness, metrics and the OpenAPI document, run on every dialect by api.suite.ts. */
import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { byteOrder } from "../../model/order.js";
import { allRoutes } from "../app.js";
import type { MakeController } from "../testing/api-harness.js";
import { corpYaml, meshYaml, NO_CREDENTIALS } from "../testing/api-harness.js";
import { expectOk } from "../testing/expect-api.js";
import type { Services } from "./services.js";

/** Routes need services only when handling; listing them needs none. */
export const ROUTE_TABLE = allRoutes({} as Services);

export function opsApiSuite(make: MakeController): void {
  describe("operations endpoints", () => {
    it("/healthz and /readyz answer without credentials; /readyz is 503 without a database", async () => {
      const c = await make();
      const health = await c.call(NO_CREDENTIALS, "GET", "/healthz");
      expectOk(health);
      expect(health.json()).toEqual({ status: "ok" });
      const ready = await c.call(NO_CREDENTIALS, "GET", "/readyz");
      expectOk(ready);
      expect(ready.json()).toEqual({ status: "ready" });
      await c.db.close();
      const down = await c.call(NO_CREDENTIALS, "GET", "/readyz");
      expect(down.statusCode).toBe(503);
      expect(down.json()).toEqual({ status: "database unreachable" });
      expectOk(await c.call(NO_CREDENTIALS, "GET", "/healthz"));
    });

    it("/metrics reports nodes by network and role, the config revision and HTTP requests", async () => {
      const c = await make();
      const scrape = async () => {
        const r = await c.call(NO_CREDENTIALS, "GET", "/metrics");
        expectOk(r);
        expect(r.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
        return r.body;
      };
      let text = await scrape();
      expect(text).toContain("# TYPE hubwire_nodes gauge");
      expect(text).toMatch(/^hubwire_config_revision 0$/m);
      expect(text).not.toMatch(/^hubwire_nodes\{/m);
      expectOk(await c.call(c.admin, "POST", "/api/v1/apply", { body: corpYaml() }));
      expectOk(await c.call(c.admin, "POST", "/api/v1/apply", { body: meshYaml() }));
      expectOk(await c.call(c.admin, "DELETE", "/api/v1/nodes/edge-rig"), 204);
      text = await scrape();
      expect(text).toMatch(/^hubwire_config_revision 3$/m);
      for (const line of [
        'hubwire_nodes{network="corp",role="hub"} 2',
        'hubwire_nodes{network="corp",role="spoke"} 3',
        'hubwire_nodes{network="corp",role="external"} 1',
        'hubwire_nodes{network="lab",role="hub"} 1',
        'hubwire_nodes{network="lab",role="spoke"} 4',
        'hubwire_http_requests_total{method="POST",route="/api/v1/apply",status="200"} 2',
        'hubwire_http_requests_total{method="DELETE",route="/api/v1/nodes/:name",status="204"} 1',
        'hubwire_logins_total{result="ok"} 1',
      ]) {
        expect(text.split("\n")).toContain(line);
      }
      // Unmatched URLs share one label value: a scanner cannot blow up the series count.
      await c.call(NO_CREDENTIALS, "GET", "/wp-admin/setup.php");
      await c.call(NO_CREDENTIALS, "GET", "/random/path/scanner-probe-zq");
      text = await scrape();
      expect(text).not.toContain("wp-admin");
      expect(text).not.toContain("scanner-probe-zq"); // letters: a metric value never holds them
    });

    it("/api/v1/openapi.json is a valid OpenAPI document listing every route with its permission", async () => {
      const c = await make();
      const r = await c.call(NO_CREDENTIALS, "GET", "/api/v1/openapi.json");
      expectOk(r);
      const document = r.json() as {
        openapi: string;
        paths: Record<string, Record<string, { "x-hubwire-permission"?: string; responses: object }>>;
      };
      const result = await new Validator().validate(document);
      expect(result.errors ?? []).toEqual([]);
      expect(result.valid).toBe(true);
      expect(document.openapi).toMatch(/^3\.1\./);

      const documented = Object.entries(document.paths).flatMap(([path, ops]) =>
        Object.entries(ops).map(([method, op]) => ({
          route: `${method.toUpperCase()} ${path}`,
          permission: op["x-hubwire-permission"],
          responses: Object.keys(op.responses),
        })),
      );
      // The document describes the API listeners; enrollment-only routes are not served there.
      const table = ROUTE_TABLE.filter((route) => (route.surfaces ?? ["api"]).includes("api")).map(
        (route) => ({
          route: `${route.method} ${route.path.replace(/:([A-Za-z]+)/g, "{$1}")}`,
          permission: route.permission,
        }),
      );
      expect(documented.map(({ route, permission }) => ({ route, permission })).sort(byRoute)).toEqual(
        [...table].sort(byRoute),
      );
      for (const op of documented) {
        if (op.permission === "public") expect(op.responses).not.toContain("401");
        else expect(op.responses).toEqual(expect.arrayContaining(["401", "403"]));
      }
      // Every documented route exists on the server (not a 404 "no such route").
      for (const route of ROUTE_TABLE.filter((r) => (r.surfaces ?? ["api"]).includes("api"))) {
        const url = route.path.replace(/:([A-Za-z]+)/g, "zzz");
        const answer = await c.call(NO_CREDENTIALS, route.method, url);
        if (answer.statusCode === 404)
          expect(answer.json()).not.toEqual({ error: { code: "not-found", message: "no such route" } });
      }
    });
  });
}

const byRoute = (a: { route: string }, b: { route: string }) => byteOrder(a.route, b.route);
