/**
 * Operator-given certificates: accepted when they are a usable pair, refused with the file's name when not,
 * and never with the key's text in the message.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseSan } from "./hostnames.js";
import { caFingerprint, ensureTls } from "./index.js";
import { issueCa, issueServer, newKeyPem } from "./issue.js";

const SERVER_SANS = ["localhost", "127.0.0.1"].map(parseSan);

/** A CA and a server certificate it signed, as an operator's own PKI would hand them over. */
async function makeChain(sans = SERVER_SANS) {
  const now = new Date();
  const caKey = await newKeyPem();
  const ca = await issueCa(caKey, now);
  const serverKey = await newKeyPem();
  const leaf = await issueServer({ caCert: ca, caKey, serverKey, sans }, now);
  return { ca, serverKey, leaf };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "hubwire-tls-given-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function files(cert: string, key: string): Promise<{ certFile: string; keyFile: string }> {
  const certFile = join(dir, "tls.crt");
  const keyFile = join(dir, "tls.key");
  await writeFile(certFile, cert);
  await writeFile(keyFile, key, { mode: 0o600 });
  return { certFile, keyFile };
}

describe("given certificate and key", () => {
  it("uses the chain as given, pins its last certificate, and writes nothing to the data dir", async () => {
    const c = await makeChain();
    const given = await files(`# issued by ops\n${c.leaf}${c.ca}`, c.serverKey);
    const m = await ensureTls({ dataDir: join(dir, "data"), ...given, hostnames: ["ignored.example"] });
    expect(m).toMatchObject({ cert: c.leaf + c.ca, caCert: c.ca, created: false });
    expect(m.caFingerprint).toBe(caFingerprint(c.ca));
    await expect(import("node:fs/promises").then((fs) => fs.stat(join(dir, "data")))).rejects.toThrow(
      /ENOENT/,
    );
  });

  it("pins the certificate itself when the file holds only the server certificate", async () => {
    const c = await makeChain();
    const m = await ensureTls({ dataDir: dir, ...(await files(c.leaf, c.serverKey)) });
    expect(m.caCert).toBe(c.leaf);
    expect(m.caFingerprint).toBe(caFingerprint(c.leaf));
  });

  it("refuses a key that belongs to another certificate, naming the key file but not quoting it", async () => {
    const c = await makeChain();
    const wrong = await newKeyPem();
    const given = await files(c.leaf + c.ca, wrong);
    const err = await ensureTls({ dataDir: dir, ...given }).catch((e: Error) => e);
    expect(String(err)).toContain(`private key file ${given.keyFile} does not belong to`);
    expect(String(err)).toContain(given.certFile);
    expect(String(err)).not.toContain(wrong.split("\n")[1]);
  });

  it("refuses a chain in the wrong order", async () => {
    const c = await makeChain();
    const err = await ensureTls({ dataDir: dir, ...(await files(c.ca + c.leaf, c.serverKey)) }).catch(
      (e) => e,
    );
    expect(String(err)).toMatch(/certificate 2 did not issue certificate 1/);
  });

  it.each([
    ["no certificate", "hello\n", "key", /holds no PEM certificate/],
    [
      "a broken certificate",
      "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
      "key",
      /tls\.crt is not a valid X\.509/,
    ],
    [
      "a broken key",
      "cert",
      "-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n",
      /tls\.key is not/,
    ],
  ])("refuses %s, naming the file", async (_what, cert, key, want) => {
    const c = await makeChain();
    const given = await files(cert === "cert" ? c.leaf : cert, key === "key" ? c.serverKey : key);
    const err = await ensureTls({ dataDir: dir, ...given }).catch((e: Error) => e);
    expect(String(err)).toMatch(want);
    expect(String(err)).not.toContain("c2VjcmV0");
  });

  it("needs both files, and says which one it cannot read", async () => {
    await expect(ensureTls({ dataDir: dir, certFile: join(dir, "x.crt") })).rejects.toThrow(/together/);
    await expect(
      ensureTls({ dataDir: dir, certFile: join(dir, "nope.crt"), keyFile: join(dir, "nope.key") }),
    ).rejects.toThrow(/cannot read certificate file .*nope\.crt: ENOENT/);
  });
});
