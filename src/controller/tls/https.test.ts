/**
 * The material works where it is used: a real Node HTTPS server and client, the client trusting only the
 * CA (as an agent does after checking the join token's pin). Another CA, or a name not in the certificate,
 * must fail the handshake.
 */
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, request, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureTls, type TlsMaterial } from "./index.js";

let dirs: string[] = [];
let server: Server;
let port: number;
let mine: TlsMaterial;
let other: TlsMaterial;

beforeAll(async () => {
  dirs = await Promise.all([1, 2].map(() => mkdtemp(join(tmpdir(), "hubwire-tls-https-"))));
  mine = await ensureTls({ dataDir: dirs[0]!, hostnames: ["hub.example.com"] });
  other = await ensureTls({ dataDir: dirs[1]!, hostnames: ["hub.example.com"] });
  server = createServer({ cert: mine.cert, key: mine.key }, (_req, res) => res.end("hello"));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server?.close();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** GETs / over TLS trusting `ca` only; resolves the body or rejects with the TLS error. */
function get(ca: string, servername?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/", ca, servername, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => resolve(body));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("HTTPS with the generated material", () => {
  it("connects when the client trusts the controller's CA, by IP and by name", async () => {
    expect(await get(mine.caCert)).toBe("hello");
    expect(await get(mine.caCert, "localhost")).toBe("hello");
    expect(await get(mine.caCert, "hub.example.com")).toBe("hello");
  });

  it("fails with a certificate error when the client trusts another CA", async () => {
    const err = (await get(other.caCert).catch((e: unknown) => e)) as NodeJS.ErrnoException;
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toMatch(
      /SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|CERT_SIGNATURE_FAILURE/,
    );
  });

  it("fails when the name dialled is not in the certificate", async () => {
    const err = (await get(mine.caCert, "evil.example").catch((e: unknown) => e)) as NodeJS.ErrnoException;
    expect(err.code).toBe("ERR_TLS_CERT_ALTNAME_INVALID");
  });
});
