/**
 * The controller's own CA: made once, reused, never forked by replicas racing on one data directory, and a
 * server certificate kept current without touching the CA that join tokens pin.
 */
import { X509Certificate } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { caFingerprint, ensureTls } from "./index.js";
import { newKeyPem } from "./issue.js";

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "hubwire-tls-"));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const tls = (name: string) => join(dataDir, "tls", name);
const mode = async (path: string) => (await stat(path)).mode & 0o777;
const leafOf = (chain: string) => new X509Certificate(chain);
const DAY = 24 * 60 * 60 * 1000;

describe("first start", () => {
  it("creates a P-256 CA and a server certificate for loopback, this host and the given names", async () => {
    const m = await ensureTls({ dataDir, hostnames: ["hub.example.com", "192.0.2.7", "2001:db8::7"] });
    expect(m.created).toBe(true);
    expect(m.caCert).toBe(await readFile(tls("ca.crt"), "utf8"));
    expect(m.caFingerprint).toBe(caFingerprint(m.caCert));

    const ca = new X509Certificate(m.caCert);
    expect(ca.ca).toBe(true);
    expect(ca.publicKey.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
    const caDays = (Date.parse(ca.validTo) - Date.now()) / DAY;
    expect(caDays).toBeGreaterThan(3640);

    const leaf = leafOf(m.cert);
    expect(leaf.ca).toBe(false);
    expect(leaf.checkIssued(ca) && leaf.verify(ca.publicKey)).toBe(true);
    expect(m.cert).toBe(leaf.toString() + m.caCert);
    expect(leaf.checkPrivateKey((await import("node:crypto")).createPrivateKey(m.key))).toBe(true);
    const leafDays = (Date.parse(leaf.validTo) - Date.now()) / DAY;
    expect(leafDays).toBeGreaterThan(360);
    expect(leafDays).toBeLessThan(370);
    for (const name of ["localhost", "hub.example.com"]) expect(leaf.checkHost(name)).toBe(name);
    for (const ip of ["127.0.0.1", "::1", "192.0.2.7", "2001:db8::7"]) expect(leaf.checkIP(ip)).toBeDefined();
    if (/^[a-z0-9-]+$/i.test(hostname())) expect(leaf.checkHost(hostname())).toBeDefined();
    expect(leaf.keyUsage).toEqual(["1.3.6.1.5.5.7.3.1"]);
  });

  it("keeps keys private: folder 0700, keys 0600, certificates 0644, no temporary files left", async () => {
    await ensureTls({ dataDir });
    expect(await mode(join(dataDir, "tls"))).toBe(0o700);
    expect(await mode(tls("ca.key"))).toBe(0o600);
    expect(await mode(tls("server.key"))).toBe(0o600);
    expect(await mode(tls("ca.crt"))).toBe(0o644);
    expect((await readdir(join(dataDir, "tls"))).sort()).toEqual([
      "ca.crt",
      "ca.key",
      "server.crt",
      "server.key",
    ]);
  });

  it("writes server.crt as a full chain, so it can be given back as certFile with the same result", async () => {
    const made = await ensureTls({ dataDir });
    const given = await ensureTls({ dataDir, certFile: tls("server.crt"), keyFile: tls("server.key") });
    expect(given).toEqual({ ...made, created: false });
  });

  it("refuses a bad hostname before writing anything", async () => {
    await expect(ensureTls({ dataDir, hostnames: ["https://hub"] })).rejects.toThrow(/"https:\/\/hub"/);
    expect(await readdir(dataDir)).toEqual([]);
  });
});

describe("later starts", () => {
  it("reuse the CA and the server certificate unchanged", async () => {
    const first = await ensureTls({ dataDir, hostnames: ["hub.example.com"] });
    const before = await readFile(tls("server.crt"), "utf8");
    const second = await ensureTls({ dataDir, hostnames: ["hub.example.com"] });
    expect(second.created).toBe(false);
    expect(second.caFingerprint).toBe(first.caFingerprint);
    expect(second.cert).toBe(first.cert);
    expect(second.key).toBe(first.key);
    expect(await readFile(tls("server.crt"), "utf8")).toBe(before);
  });

  it("re-issue the server certificate for a new hostname, keeping the CA and the names already there", async () => {
    const first = await ensureTls({ dataDir, hostnames: ["a.example.com"] });
    const second = await ensureTls({ dataDir, hostnames: ["b.example.com"] });
    expect(second.caFingerprint).toBe(first.caFingerprint);
    expect(second.created).toBe(false);
    const leaf = leafOf(second.cert);
    expect(leaf.serialNumber).not.toBe(leafOf(first.cert).serialNumber);
    expect(leaf.checkHost("b.example.com")).toBe("b.example.com");
    expect(leaf.checkHost("a.example.com")).toBe("a.example.com");
    expect(second.key).toBe(first.key);
  });

  it("renew a server certificate within 30 days of expiry, and not before", async () => {
    const first = await ensureTls({ dataDir });
    const serial = leafOf(first.cert).serialNumber;
    const notYet = await ensureTls({ dataDir, now: new Date(Date.now() + 300 * DAY) });
    expect(leafOf(notYet.cert).serialNumber).toBe(serial);
    const renewed = await ensureTls({ dataDir, now: new Date(Date.now() + 340 * DAY) });
    expect(leafOf(renewed.cert).serialNumber).not.toBe(serial);
    expect(renewed.caFingerprint).toBe(first.caFingerprint);
  });

  it("replace an unreadable server certificate or one that does not match server.key", async () => {
    const first = await ensureTls({ dataDir });
    await writeFile(tls("server.crt"), "garbage");
    const fixed = await ensureTls({ dataDir });
    expect(fixed.caFingerprint).toBe(first.caFingerprint);
    expect(leafOf(await readFile(tls("server.crt"), "utf8")).toString()).toBe(leafOf(fixed.cert).toString());

    await writeFile(tls("server.key"), await newKeyPem(), { mode: 0o600 });
    const rekeyed = await ensureTls({ dataDir });
    expect(rekeyed.key).not.toBe(first.key);
    expect(
      leafOf(rekeyed.cert).checkPrivateKey((await import("node:crypto")).createPrivateKey(rekeyed.key)),
    ).toBe(true);
  });

  it("finish a CA whose key was published by a process that died before writing ca.crt", async () => {
    const { mkdir } = await import("node:fs/promises");
    await mkdir(join(dataDir, "tls"), { mode: 0o700 });
    const key = await newKeyPem();
    await writeFile(tls("ca.key"), key, { mode: 0o600 });
    const m = await ensureTls({ dataDir });
    expect(m.created).toBe(true);
    expect(
      new X509Certificate(m.caCert).checkPrivateKey((await import("node:crypto")).createPrivateKey(key)),
    ).toBe(true);
  });

  it("refuse to replace a CA whose key is missing or does not match, naming the files", async () => {
    await ensureTls({ dataDir });
    const caKey = await readFile(tls("ca.key"), "utf8");
    await rm(tls("ca.key"));
    await expect(ensureTls({ dataDir })).rejects.toThrow(/ca\.crt exists but .*ca\.key is missing/);

    const other = await newKeyPem();
    await writeFile(tls("ca.key"), other, { mode: 0o600 });
    const err = await ensureTls({ dataDir }).catch((e: Error) => e);
    expect(String(err)).toMatch(/ca\.key does not belong to .*ca\.crt/);
    expect(String(err)).not.toContain("PRIVATE KEY");
    expect(String(err)).not.toContain(other.split("\n")[1]);
    expect(caKey).not.toBe(other);
  });

  it("tighten a key file someone made readable", async () => {
    await ensureTls({ dataDir });
    const { chmod } = await import("node:fs/promises");
    await chmod(tls("ca.key"), 0o644);
    await ensureTls({ dataDir });
    expect(await mode(tls("ca.key"))).toBe(0o600);
  });
});

describe("replicas starting together", () => {
  it.each([1, 2, 3])("five concurrent starts on a fresh dir agree on one CA (round %i)", async () => {
    const results = await Promise.all(Array.from({ length: 5 }, () => ensureTls({ dataDir })));
    const onDisk = caFingerprint(await readFile(tls("ca.crt"), "utf8"));
    expect(new Set(results.map((r) => r.caFingerprint))).toEqual(new Set([onDisk]));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const ca = new X509Certificate(results[0]!.caCert);
    for (const r of results) expect(leafOf(r.cert).verify(ca.publicKey)).toBe(true);
    const stored = leafOf(await readFile(tls("server.crt"), "utf8"));
    const serverKey = (await import("node:crypto")).createPrivateKey(
      await readFile(tls("server.key"), "utf8"),
    );
    expect(stored.checkPrivateKey(serverKey)).toBe(true);
    expect((await readdir(join(dataDir, "tls"))).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });
});
