/**
 * The daemon's parts that talk to the controller, against the real controller app on a port (or,
 * for answers no real controller gives, a plain HTTP server): when preshared keys are fetched,
 * and that the delivery loop survives every failure but a refused credential.
 */
import { createServer } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import type { Db } from "../../controller/db/open.js";
import { openDatabase } from "../../controller/db/open.js";
import { nodeCredential } from "../../controller/testing/agents.js";
import { corpYaml, startController } from "../../controller/testing/api-harness.js";
import { expectOk } from "../../controller/testing/expect-api.js";
import { scratchDir } from "../../controller/testing/scratch-dir.js";
import type { DesiredState } from "../../model/index.js";
import { ConfigClient } from "../client/config-client.js";
import { localRunner } from "../exec.js";
import { FailoverMonitor } from "../failover/monitor.js";
import { openStateDir, type StateDir } from "../state-dir.js";
import { type AgentLog, AgentStopped } from "./agent-log.js";
import { deliveryLoop } from "./delivery-loop.js";
import { NodeApplier } from "./node-applier.js";
import { PresharedKeys } from "./preshared-keys.js";

const dirs = await scratchDir("hubwire-daemon-parts-");
const FAST = { initialMs: 5, maxMs: 20 };
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const lines: string[] = [];
const log: AgentLog = {
  info: (_o, m) => void lines.push(m),
  warn: (_o, m) => void lines.push(m),
  error: (o, m) => void lines.push(`${m}: ${(o as { error?: string }).error ?? ""}`),
};

function client(url: string, credential: string): ConfigClient {
  const made = new ConfigClient({ urls: [url], credential, waitSeconds: 0, backoff: FAST, timeoutMs: 2_000 });
  cleanups.push(async () => made.close());
  return made;
}

/** A controller with the corp example on preshared keys, listening; and hub-fra's credential and state. */
async function pskController(): Promise<{
  url: string;
  db: Db;
  credential: string;
  state: DesiredState;
  c: Awaited<ReturnType<typeof startController>>;
}> {
  const db = await openDatabase({ dataDir: dirs.next() });
  cleanups.push(() => db.close());
  const c = await startController(db, { withoutTokens: true }, cleanups);
  const yaml = corpYaml().replace("presharedKeys: false", "presharedKeys: true");
  expectOk(await c.call(c.admin, "POST", "/api/v1/apply", { body: yaml }));
  await c.app.listen({ host: "127.0.0.1", port: 0 });
  const url = `http://127.0.0.1:${(c.app.server.address() as { port: number }).port}`;
  const credential = (await nodeCredential(db, "hub-fra")).token;
  const state = (await client(url, credential).next(undefined))!;
  return { url, db, credential, state, c };
}

async function stateDir(): Promise<StateDir> {
  return openStateDir(dirs.next());
}

describe("PresharedKeys", () => {
  it("fetches once for a state, again only for a new generation or an unknown ref, never offline", async () => {
    const { url, credential, state } = await pskController();
    const keys = new PresharedKeys({
      client: () => client(url, credential),
      dir: await stateDir(),
      log,
      signal: new AbortController().signal,
    });
    const refs = state.interfaces.flatMap((i) => i.peers.flatMap((p) => p.presharedKeyRef ?? []));
    expect(refs.length).toBeGreaterThan(1);

    const first = await keys.for(state);
    expect([...first.keys()].sort()).toEqual([...new Set(refs)].sort());
    await keys.for({ ...state, revision: "next" });
    expect(keys.fetches).toBe(1);

    await keys.for({ ...state, revision: "rotated", presharedKeyGeneration: 1 });
    expect(keys.fetches).toBe(2);

    const iface = state.interfaces[0]!;
    const unknown = {
      ...iface,
      peers: [...iface.peers, { ...iface.peers[0]!, presharedKeyRef: "corp.zz.zz" }],
    };
    const withUnknown = { ...state, interfaces: [unknown, ...state.interfaces.slice(1)] };
    await expect(keys.for(withUnknown, true)).rejects.toThrow(/no preshared key for corp\.zz\.zz/);
    expect(keys.fetches).toBe(2);
    await expect(keys.for(withUnknown)).rejects.toThrow(/no preshared key for corp\.zz\.zz/);
    expect(keys.fetches).toBe(3);
  });

  it("keeps the last applied state's keys saved until a newer state is applied (a crash re-applies it offline)", async () => {
    const { url, credential, state } = await pskController();
    const dir = await stateDir();
    const keys = new PresharedKeys({
      client: () => client(url, credential),
      dir,
      log,
      signal: new AbortController().signal,
    });
    const [iface, ...rest] = state.interfaces;
    const dropped = iface!.peers[0]!.presharedKeyRef!;
    keys.applied(await keys.for(state));
    // The next state drops a pair and moves to a new generation: all keys are fetched and saved.
    const next = {
      ...state,
      revision: "without-one",
      presharedKeyGeneration: 1,
      interfaces: [{ ...iface!, peers: iface!.peers.slice(1) }, ...rest],
    };
    const nextKeys = await keys.for(next);
    expect(nextKeys.has(dropped)).toBe(false);
    await keys.saved();
    expect((await dir.readPresharedKeys()).has(dropped)).toBe(true);
    // Once `next` is applied, the following save no longer keeps the dropped pair's key.
    keys.applied(nextKeys);
    await keys.for({ ...next, revision: "again", presharedKeyGeneration: 2 });
    await keys.saved();
    const saved = await dir.readPresharedKeys();
    expect(saved.has(dropped)).toBe(false);
    expect([...saved.keys()].sort()).toEqual([...nextKeys.keys()].sort());
  });

  it("asks only for the key a new spoke brings, and keeps the others", async () => {
    const { url, credential, state, c } = await pskController();
    const asked: Array<readonly string[] | undefined> = [];
    const recording = client(url, credential);
    const fetch = recording.presharedKeys.bind(recording);
    recording.presharedKeys = (signal, refs) => {
      asked.push(refs);
      return fetch(signal, refs);
    };
    const keys = new PresharedKeys({
      client: () => recording,
      dir: await stateDir(),
      log,
      signal: new AbortController().signal,
    });
    await keys.for(state);
    expect(asked).toEqual([undefined]); // nothing held yet: all of them

    const key = Buffer.alloc(32, 7).toString("base64");
    const spoke = `apiVersion: hubwire/v1
kind: Node
metadata: { name: branch-new }
spec: { network: corp, role: spoke, tunnelAddress: 10.100.1.99, hubs: [hub-fra], publicKey: "${key}" }
`;
    expectOk(await c.call(c.admin, "POST", "/api/v1/apply", { body: spoke }));
    const next = (await client(url, credential).next(state.revision))!;
    const refsOf = (s: DesiredState) =>
      [...new Set(s.interfaces.flatMap((i) => i.peers.flatMap((p) => p.presharedKeyRef ?? [])))].sort();
    const added = refsOf(next).filter((r) => !refsOf(state).includes(r));
    expect(added).toHaveLength(1);
    const got = await keys.for(next);
    expect(asked).toEqual([undefined, added]);
    // The same keys as a full fetch of the new state gives, and the controller answered only the one asked.
    const full = await client(url, credential).presharedKeys(undefined);
    expect([...got].sort()).toEqual([...full].filter(([r]) => refsOf(next).includes(r)).sort());
    expect([...(await client(url, credential).presharedKeys(undefined, added)).keys()]).toEqual(added);
  });

  it("uses the saved keys when the controller does not answer (a restart without it)", async () => {
    const { url, credential, state } = await pskController();
    const dir = await stateDir();
    const signal = new AbortController().signal;
    const first = new PresharedKeys({ client: () => client(url, credential), dir, log, signal });
    const fetched = await first.for(state);
    // The apply does not wait for the write; the saving of the last applied state does.
    await first.saved();
    const restarted = new PresharedKeys({
      client: () => client("http://127.0.0.1:9", credential),
      dir,
      log,
      signal,
    });
    expect(await restarted.for(state)).toEqual(fetched);
    expect(lines).toContain("could not fetch preshared keys; using saved ones");
  });

  it("reports a failed save once, through saved(), and fetches the keys again next time", async () => {
    const { url, credential, state } = await pskController();
    const real = await stateDir();
    let fail = true;
    const dir: StateDir = {
      ...real,
      writePresharedKeys: (k) => (fail ? Promise.reject(new Error("disk full")) : real.writePresharedKeys(k)),
    };
    const keys = new PresharedKeys({
      client: () => client(url, credential),
      dir,
      log,
      signal: new AbortController().signal,
    });
    expect((await keys.for(state)).size).toBeGreaterThan(0); // usable before the write settles
    await expect(keys.saved()).rejects.toThrow(/could not save preshared keys: disk full/);
    await expect(keys.saved()).resolves.toBeUndefined();
    fail = false;
    await keys.for(state);
    expect(keys.fetches).toBe(2);
    await keys.saved();
    expect((await real.readPresharedKeys()).size).toBeGreaterThan(0);
  });
});

/** Answers each request with the next of `answers` (status, body); the last one repeats. */
async function scripted(
  answers: ReadonlyArray<readonly [number, string]>,
): Promise<{ url: string; served: () => number }> {
  let served = 0;
  const server = createServer((_req, res) => {
    const [status, body] = answers[Math.min(served++, answers.length - 1)]!;
    res.writeHead(status, { "content-type": "application/json" }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, served: () => served };
}

describe("deliveryLoop", () => {
  it("goes on after a refused request and a state it cannot read, and stops only on a refused credential", async () => {
    const { state } = await pskController();
    const error = (code: string, message: string) => JSON.stringify({ error: { code, message } });
    const server = await scripted([
      [400, error("bad-request", "wait must be 0..60")],
      [200, JSON.stringify({ ...state, protocol: 2 })],
      [200, "{ torn"],
      [401, error("unauthenticated", "credential revoked")],
    ]);
    const reports: Array<string | null> = [];
    const dir = await stateDir();
    const signal = new AbortController().signal;
    const cc = client(server.url, "hwn_x_y");
    const failover = new FailoverMonitor({ runner: localRunner(), onChange: () => {} });
    cleanups.push(async () => failover.stop());
    const applier = new NodeApplier({
      identity: () => ({ privateKeyFile: "/nonexistent", publicKey: "k" }),
      dir,
      keys: new PresharedKeys({ client: () => cc, dir, log, signal }),
      failover,
      log,
      onOutcome: () => reports.push(applier.error),
    });
    const ended = await deliveryLoop({ client: cc, applier, log, signal, retry: FAST }).catch(
      (e: unknown) => e,
    );
    expect(ended).toBeInstanceOf(AgentStopped);
    expect((ended as Error).message).toMatch(/refused this node's credential \(unauthenticated\)/);
    expect(server.served()).toBe(4);
    expect(reports).toHaveLength(2);
    expect(reports[0]).toMatch(/^desired state refused: protocol: protocol 2 is not spoken/);
    expect(reports[1]).toMatch(/^desired state is not JSON/);
    expect(
      lines.some((l) => l.startsWith("asking for the desired state failed") && l.includes("wait must be")),
    ).toBe(true);
    expect(applier.applied).toBeUndefined();
  });
});
