/**
 * Who can read `/metrics` (issue 13): it names nodes, networks and roles, so a TLS listener on
 * 0.0.0.0 does not serve it unless scrapers present the metrics token; loopback listeners and the
 * opt-in metrics listener do.
 */
import { request } from "node:https";
import { describe, expect, it } from "vitest";
import { startController } from "../server.js";
import { freeLoopbackPort } from "../testing/live-controller.js";
import { scratchDir } from "../testing/scratch-dir.js";

const dirs = await scratchDir("hubwire-metrics-access-");

/** GET over TLS without checking the certificate (the listener's TLS is not what is tested). */
function httpsGet(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const r = request(url, { rejectUnauthorized: false, headers }, (res) => {
      let body = "";
      res.on("data", (chunk) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    r.on("error", reject);
    r.end();
  });
}

async function start(metricsToken?: string) {
  const [loop, wide, scrape] = [await freeLoopbackPort(), await freeLoopbackPort(), await freeLoopbackPort()];
  process.env.HUBWIRE_ADMIN_PASSWORD = "metrics-access-password-0123";
  const running = await startController({
    listen: [`127.0.0.1:${loop}`, `0.0.0.0:${wide}`],
    metricsListen: `127.0.0.1:${scrape}`,
    dataDir: dirs.next(),
    logLevel: "error",
    ...(metricsToken ? { metricsToken } : {}),
    print: () => undefined,
  });
  delete process.env.HUBWIRE_ADMIN_PASSWORD;
  return { running, loop, wide, scrape };
}

describe("/metrics access", () => {
  it("is served on loopback and the metrics listener, not on a TLS listener bound to 0.0.0.0", async () => {
    const c = await start();
    try {
      const local = await fetch(`http://127.0.0.1:${c.loop}/metrics`);
      expect(local.status).toBe(200);
      expect(await local.text()).toMatch(/^hubwire_config_revision /m);
      const wide = await httpsGet(`https://127.0.0.1:${c.wide}/metrics`);
      expect(wide.status).toBe(404);
      expect(wide.body).not.toMatch(/hubwire_/);
      expect((await httpsGet(`https://127.0.0.1:${c.wide}/healthz`)).status).toBe(200);
      const scrape = await fetch(`http://127.0.0.1:${c.scrape}/metrics`);
      expect(scrape.status).toBe(200);
      // The metrics listener serves nothing of the API.
      expect((await fetch(`http://127.0.0.1:${c.scrape}/api/v1/openapi.json`)).status).toBe(404);
    } finally {
      await c.running.close();
    }
  });

  it("with a metrics token, serves the 0.0.0.0 listener to requests that present it", async () => {
    const token = "scrape-token-0123456789abcdef";
    const c = await start(token);
    try {
      expect((await httpsGet(`https://127.0.0.1:${c.wide}/metrics`)).status).toBe(401);
      expect(
        (
          await httpsGet(`https://127.0.0.1:${c.wide}/metrics`, {
            authorization: "Bearer wrong-token-0123456789",
          })
        ).status,
      ).toBe(401);
      const ok = await httpsGet(`https://127.0.0.1:${c.wide}/metrics`, { authorization: `Bearer ${token}` });
      expect(ok.status).toBe(200);
      expect(ok.body).toMatch(/^hubwire_config_revision /m);
      expect((await fetch(`http://127.0.0.1:${c.scrape}/metrics`)).status).toBe(401);
      expect((await fetch(`http://127.0.0.1:${c.loop}/metrics`)).status).toBe(200);
    } finally {
      await c.running.close();
    }
  });
});
