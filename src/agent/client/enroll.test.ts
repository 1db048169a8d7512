/**
 * The agent's enrollment client against a real controller (in-process, real TLS listeners):
 * auto approval, manual approval picked up by polling, key rotation, revocation — and a
 * controller presenting a certificate of another CA is refused before anything is sent.
 */
import { once } from "node:events";
import tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { corpYaml } from "../../controller/testing/api-harness.js";
import { type LiveController, liveController } from "../../controller/testing/live-controller.js";
import { scratchDir } from "../../controller/testing/scratch-dir.js";
import { ensureTls } from "../../controller/tls/index.js";
import { generatePrivateKey, publicKeyFromPrivate } from "../../keys/wgkeys.js";
import { parseJoinToken } from "../../model/join-token.js";
import { EnrollError, enroll, waitForApproval } from "./enroll.js";
import { rotateKey } from "./rotate-key.js";

const dirs = await scratchDir("hubwire-agent-enroll-");
let live: LiveController;

beforeAll(async () => {
  live = await liveController(dirs.next());
  const applied = await live.call("POST", "/api/v1/apply", corpYaml(), "application/yaml");
  expect(applied.status, JSON.stringify(applied.json)).toBe(200);
}, 60_000);
afterAll(() => live?.close());

async function token(policy: string, extra: object = {}): Promise<string> {
  const r = await live.call("POST", "/api/v1/join-tokens", { policy, ...extra });
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  return r.json.token as string;
}

describe("agent enrollment client", () => {
  it("enrolls with an auto-approval policy and gets its credential, URLs and CA at once", async () => {
    const text = await token("edge");
    const parsed = parseJoinToken(text);
    expect(parsed.urls).toEqual([live.enrollUrl]);
    const privateKey = generatePrivateKey();
    const result = await enroll({
      token: text,
      nodeName: "edge-1",
      privateKey,
      request: { subnets: ["192.168.7.0/24"] },
    });
    expect(result.state).toBe("Approved");
    expect(result.credential).toMatch(/^hwn_edge-1_/);
    expect(result.controllerUrls).toEqual([live.enrollUrl]);
    expect(result.caPem).toContain("BEGIN CERTIFICATE");
    const node = await live.call("GET", "/api/v1/nodes/edge-1");
    expect(node.json.spec.publicKey).toBe(publicKeyFromPrivate(privateKey));
    expect(node.json.spec.tunnelAddress).toMatch(/^10\.100\.2\./);
    expect(node.json.metadata.labels).toEqual({ tier: "edge" });
  });

  it("waits for an operator's approval and then collects the credential without the token being valid", async () => {
    const text = await token("branches", { uses: 1 });
    const privateKey = generatePrivateKey();
    const first = await enroll({
      token: text,
      nodeName: "branch-new",
      privateKey,
      request: { subnets: ["10.64.99.0/24"], endpoint: "198.51.100.99:51820" },
    });
    expect(first).toMatchObject({ state: "Pending", node: "branch-new" });
    expect(first.credential).toBeUndefined();
    // The token is used up and then revoked: neither matters to the pick-up.
    await live.call("POST", `/api/v1/join-tokens/${parseJoinToken(text).id}/revoke`);
    const waiting = waitForApproval({
      token: text,
      nodeName: "branch-new",
      privateKey,
      minDelayMs: 50,
      maxDelayMs: 200,
    });
    const approved = await live.call("POST", "/api/v1/enrollments/branch-new/approve");
    expect(approved.status, JSON.stringify(approved.json)).toBe(200);
    const result = await waiting;
    expect(result.state).toBe("Approved");
    expect(result.credential).toMatch(/^hwn_branch-new_/);

    // Key rotation with the credential and a proof made with the new key.
    const newKey = generatePrivateKey();
    const rotated = await rotateKey({
      urls: result.controllerUrls,
      credential: result.credential!,
      node: "branch-new",
      newPrivateKey: newKey,
      controllerKey: parseJoinToken(text).controllerKey,
      caPem: result.caPem!,
    });
    expect(rotated.publicKey).toBe(publicKeyFromPrivate(newKey));
    expect((await live.call("GET", "/api/v1/nodes/branch-new")).json.spec.publicKey).toBe(
      publicKeyFromPrivate(newKey),
    );

    // Revocation: the credential stops working at once.
    const revoked = await live.call("POST", "/api/v1/nodes/branch-new/revoke", { reason: "stolen" });
    expect(revoked.json).toEqual({ node: "branch-new", state: "Revoked" });
    await expect(
      rotateKey({
        urls: result.controllerUrls,
        credential: result.credential!,
        node: "branch-new",
        newPrivateKey: generatePrivateKey(),
        controllerKey: parseJoinToken(text).controllerKey,
        caPem: result.caPem!,
      }),
    ).rejects.toThrow(/401/);
    expect((await live.call("GET", "/api/v1/nodes/branch-new")).json.spec.publicKey).toBeUndefined();
  });

  it("refuses a controller whose certificate comes from another CA, before sending anything", async () => {
    const text = await token("edge");
    const other = await ensureTls({ dataDir: dirs.next() });
    let received = 0;
    const impostor = tls.createServer({ cert: other.cert, key: other.key }, (socket) => {
      socket.on("data", (chunk: Buffer) => {
        received += chunk.length;
      });
      socket.on("error", () => undefined);
    });
    impostor.listen(0, "127.0.0.1");
    await once(impostor, "listening");
    const { port } = impostor.address() as { port: number };
    try {
      const attempt = enroll({
        token: text,
        nodeName: "edge-2",
        privateKey: generatePrivateKey(),
        request: {},
        urls: [`https://127.0.0.1:${port}`],
      });
      await expect(attempt).rejects.toThrow(EnrollError);
      await expect(attempt).rejects.toThrow(/does not chain to the pinned CA/);
      await new Promise((r) => setTimeout(r, 100));
      expect(received).toBe(0);
    } finally {
      impostor.close();
    }
    // The same token against the real controller works (the pin is right, the impostor was wrong).
    expect(
      (await enroll({ token: text, nodeName: "edge-2", privateKey: generatePrivateKey(), request: {} }))
        .state,
    ).toBe("Approved");
  });
});
