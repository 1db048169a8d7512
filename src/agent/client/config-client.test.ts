/**
 * The agent's config client against the real controller app listening on a port: long poll,
 * reports, failover across URLs, a controller that stops and comes back, pinned CA over https, and
 * a revoked credential.
 */
import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { buildApp } from "../../controller/app.js";
import { revokeNodeCredentialOf } from "../../controller/auth/node-credentials.js";
import { type Db, openDatabase } from "../../controller/db/open.js";
import { corpSpokes, nodeCredential, sampleReport } from "../../controller/testing/agents.js";
import { type Controller, corpYaml, startController } from "../../controller/testing/api-harness.js";
import { expectOk } from "../../controller/testing/expect-api.js";
import { scratchDir } from "../../controller/testing/scratch-dir.js";
import { ensureTls } from "../../controller/tls/index.js";
import { DesiredStateRefused } from "../../model/index.js";
import { ConfigClient, ConfigClientError } from "./config-client.js";

const dirs = await scratchDir("hubwire-config-client-");
const FAST = { initialMs: 20, maxMs: 200 };
/** A loopback port nothing listens on (the discard port; connections are refused). */
const DEAD = "http://127.0.0.1:9";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function controller(): Promise<{ c: Controller; db: Db; url: string; port: number }> {
  const db = await openDatabase({ dataDir: dirs.next() });
  cleanups.push(() => db.close());
  const c = await startController(db, { withoutTokens: true }, cleanups);
  expectOk(await c.call(c.admin, "POST", "/api/v1/apply", { body: corpYaml() }));
  await c.app.listen({ host: "127.0.0.1", port: 0 });
  const port = (c.app.server.address() as { port: number }).port;
  return { c, db, url: `http://127.0.0.1:${port}`, port };
}

function client(options: ConstructorParameters<typeof ConfigClient>[0]): ConfigClient {
  const made = new ConfigClient(options);
  cleanups.push(async () => made.close());
  return made;
}

/** An HTTP server that answers every request with `body` (200, JSON): a controller of another protocol. */
async function answering(body: string): Promise<{ url: string; requests: () => number }> {
  const { createServer } = await import("node:http");
  let requests = 0;
  const server = createServer((_req, res) => {
    requests++;
    res.writeHead(200, { "content-type": "application/json" }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, requests: () => requests };
}

describe("ConfigClient", () => {
  it("refuses a desired state of another protocol at once, naming it, without retrying", async () => {
    const { c, db } = await controller();
    const credential = (await nodeCredential(db, "edge-rig")).token;
    const real = (await c.call({ kind: "bearer", token: credential }, "GET", "/agent/v1/config")).json();
    const newer = await answering(JSON.stringify({ ...real, protocol: 2 }));
    const cc = client({ urls: [newer.url], credential, waitSeconds: 1, backoff: FAST });
    const refused = await cc.next(undefined).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DesiredStateRefused);
    expect((refused as Error).message).toMatch(/protocol: protocol 2 is not spoken by this agent/);
    expect(newer.requests()).toBe(1);
  });

  it("long-polls its state, fails over from a dead URL, and reports status", async () => {
    const { c, db, url } = await controller();
    const credential = (await nodeCredential(db, "edge-rig")).token;
    const retries: string[] = [];
    const cc = client({
      urls: [DEAD, url],
      credential,
      waitSeconds: 1,
      backoff: FAST,
      onRetry: (r) => retries.push(r.url),
    });
    const state = await cc.next(undefined);
    expect(state).toMatchObject({ kind: "NodeConfig", node: "edge-rig" });
    expect(retries).toEqual(["http://127.0.0.1:9"]);
    expect(await cc.next(state!.revision)).toBeUndefined();
    // The URL that answered is kept: no new failures.
    expect(retries).toHaveLength(1);

    await cc.report(sampleReport(state!.revision));
    const view = (await c.call(c.admin, "GET", "/api/v1/node-status/edge-rig")).json() as {
      online: boolean;
      appliedRevision: string;
    };
    expect(view).toMatchObject({ online: true, appliedRevision: state!.revision });
  });

  it("gives the state it holds, and turns the patch the controller answers into the whole next state", async () => {
    const { c, db, url } = await controller();
    // 70 spokes on hub-fra: enough peers for the controller to send the hub patches.
    const spokes = (third: number) => corpSpokes(70, third);
    expectOk(await c.call(c.admin, "POST", "/api/v1/apply", { body: { items: spokes(30) } }));
    const credential = (await nodeCredential(db, "hub-fra")).token;
    const cc = client({ urls: [url], credential, waitSeconds: 5, backoff: FAST });
    const base = (await cc.next(undefined))!;
    // Which kind of answer the controller built for the poll below.
    const notifier = c.delivery.notifier;
    const answerBody = notifier.answerBody.bind(notifier);
    const sent: string[] = [];
    notifier.answerBody = (state, patchFrom) => {
      const body = answerBody(state, patchFrom);
      sent.push((JSON.parse(body.toString("utf8")) as { kind: string }).kind);
      return body;
    };
    const next = cc.next(base);
    expectOk(await c.call(c.admin, "POST", "/api/v1/apply", { body: { items: spokes(31).slice(3, 4) } }));
    const got = await next;
    expect(sent).toEqual(["NodeConfigPatch"]);
    const whole = (await c.call({ kind: "bearer", token: credential }, "GET", "/agent/v1/config")).json();
    expect(got).toStrictEqual(whole);
  });

  it("retries while the controller is stopped and gets its state once it is back", async () => {
    const { c, db, port, url } = await controller();
    const credential = (await nodeCredential(db, "edge-rig")).token;
    const retries: Error[] = [];
    const cc = client({
      urls: [url],
      credential,
      waitSeconds: 30,
      backoff: FAST,
      onRetry: (r) => retries.push(r.error),
    });
    const state = (await cc.next(undefined))!;
    const operator = (await c.createToken("ops", "operator")).token;
    // A held poll is answered (unchanged) when the controller shuts down.
    const held = cc.next(state.revision);
    await new Promise((r) => setTimeout(r, 100));
    await c.app.close();
    expect(await held).toBeUndefined();

    const again = cc.next(state.revision);
    await new Promise((r) => setTimeout(r, 500));
    expect(retries.length).toBeGreaterThanOrEqual(2);
    // (The first may be the kept-alive socket the server closed: "socket hang up".)
    expect(retries.some((e) => /ECONNREFUSED/.test(e.message))).toBe(true);

    // Back on the same port, with a change for this node made meanwhile.
    const back: FastifyInstance = await buildApp({ db, logger: false });
    cleanups.push(() => back.close());
    await back.listen({ host: "127.0.0.1", port });
    expectOk(
      await back.inject({
        method: "POST",
        url: "/api/v1/apply",
        headers: {
          "content-type": "application/yaml",
          authorization: `Bearer ${operator}`,
        },
        payload: corpYaml().replace("persistentKeepalive: 15", "persistentKeepalive: 17"),
      }),
    );
    const next = (await again)!;
    expect(next.revision).not.toBe(state.revision);
    expect(next.interfaces.some((i) => i.peers.some((p) => p.persistentKeepalive === 17))).toBe(true);
  });

  it("pins the controller CA over https and refuses a controller signed by another CA", async () => {
    const db = await openDatabase({ dataDir: dirs.next() });
    cleanups.push(() => db.close());
    const c = await startController(db, { withoutTokens: true }, cleanups);
    expectOk(await c.call(c.admin, "POST", "/api/v1/apply", { body: corpYaml() }));
    const tls = await ensureTls({ dataDir: dirs.next(), hostnames: ["127.0.0.1"] });
    const other = await ensureTls({ dataDir: dirs.next(), hostnames: ["127.0.0.1"] });
    const app = await buildApp({ db, logger: false, https: { cert: tls.cert, key: tls.key } });
    cleanups.push(() => app.close());
    await app.listen({ host: "127.0.0.1", port: 0 });
    const url = `https://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    const credential = (await nodeCredential(db, "edge-rig")).token;

    const pinned = client({ urls: [url], credential, caPem: tls.caCert, backoff: FAST });
    expect(await pinned.next(undefined)).toMatchObject({ node: "edge-rig" });

    for (const caPem of [other.caCert, undefined]) {
      const errors: Error[] = [];
      const wrong = client({
        urls: [url],
        credential,
        ...(caPem ? { caPem } : {}),
        backoff: FAST,
        onRetry: (r) => errors.push(r.error),
      });
      const stop = new AbortController();
      const attempt = wrong.next(undefined, stop.signal);
      await new Promise((r) => setTimeout(r, 300));
      stop.abort(new Error("test over"));
      await expect(attempt).rejects.toThrow("test over");
      expect(errors.length).toBeGreaterThan(0);
      expect(errors[0]!.message).toMatch(/certificate/i);
    }
  });

  it("stops on a revoked credential with a ConfigClientError", async () => {
    const { db, url } = await controller();
    const credential = (await nodeCredential(db, "edge-rig")).token;
    await db.transaction((tx) => revokeNodeCredentialOf(tx, "edge-rig", new Date()));
    const cc = client({ urls: [url], credential, backoff: FAST });
    const error = await cc.next(undefined).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigClientError);
    expect(error).toMatchObject({ status: 401, code: "unauthenticated" });
    await expect(cc.report(sampleReport(null))).rejects.toBeInstanceOf(ConfigClientError);
  });

  it("refuses bad options", () => {
    expect(() => new ConfigClient({ urls: [], credential: "x" })).toThrow(/at least one/);
    expect(() => new ConfigClient({ urls: ["ftp://x"], credential: "x" })).toThrow(/not http/);
    expect(() => new ConfigClient({ urls: ["https://x"], credential: "x", waitSeconds: 61 })).toThrow(
      /0..60/,
    );
    // The credential is a bearer secret: never over plain http to another machine.
    expect(() => new ConfigClient({ urls: ["http://192.0.2.1:7070"], credential: "x" })).toThrow(
      /loopback only/,
    );
  });
});
