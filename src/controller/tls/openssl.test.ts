/**
 * Cross-checks against OpenSSL, the reference implementation operators and agents' tooling use: if OpenSSL
 * does not accept the chain, or prints a different fingerprint, the join-token pin would be wrong.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, expect, it } from "vitest";
import { describeWith } from "../../testing/prerequisites.js";
import { ensureTls, formatFingerprint } from "./index.js";

const run = promisify(execFile);
const openssl = async (args: string[]) => (await run("openssl", args, { timeout: 20_000 })).stdout;

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "hubwire-tls-openssl-"));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describeWith(["openssl"], "generated TLS material, checked by openssl", () => {
  it("verifies server.crt against ca.crt for TLS server use and the requested names", async () => {
    await ensureTls({ dataDir, hostnames: ["hub.example.com", "192.0.2.7"] });
    const ca = join(dataDir, "tls", "ca.crt");
    const server = join(dataDir, "tls", "server.crt");
    expect(await openssl(["verify", "-CAfile", ca, server])).toBe(`${server}: OK\n`);
    expect(await openssl(["verify", "-CAfile", ca, "-purpose", "sslserver", server])).toContain("OK");
    for (const check of [
      ["-verify_hostname", "hub.example.com"],
      ["-verify_hostname", "localhost"],
      ["-verify_ip", "192.0.2.7"],
      ["-verify_ip", "::1"],
    ]) {
      expect(await openssl(["verify", "-CAfile", ca, ...check, server])).toContain("OK");
    }
    await expect(
      openssl(["verify", "-CAfile", ca, "-verify_hostname", "other.example", server]),
    ).rejects.toThrow(/mismatch/i);
  });

  it("prints the same SHA-256 fingerprint as caFingerprint", async () => {
    const m = await ensureTls({ dataDir });
    const out = await openssl([
      "x509",
      "-in",
      join(dataDir, "tls", "ca.crt"),
      "-noout",
      "-fingerprint",
      "-sha256",
    ]);
    expect(out.trim().split("=")[1]).toBe(formatFingerprint(m.caFingerprint));
  });

  it("reads the CA as a CA limited to signing end entities, and the keys as P-256", async () => {
    await ensureTls({ dataDir });
    const text = await openssl(["x509", "-in", join(dataDir, "tls", "ca.crt"), "-noout", "-text"]);
    expect(text).toMatch(/CA:TRUE, pathlen:0/);
    expect(text).toMatch(/Certificate Sign, CRL Sign/);
    const key = await openssl(["pkey", "-in", join(dataDir, "tls", "server.key"), "-noout", "-text_pub"]);
    expect(key).toMatch(/P-256|prime256v1/);
  });

  it("accepts a certificate and key an operator made with openssl (SEC1 key)", async () => {
    const key = join(dataDir, "op.key");
    const cert = join(dataDir, "op.crt");
    await openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key]);
    await openssl(["req", "-x509", "-key", key, "-out", cert, "-subj", "/CN=op.example", "-days", "2"]);
    const m = await ensureTls({ dataDir, certFile: cert, keyFile: key });
    const out = await openssl(["x509", "-in", cert, "-noout", "-fingerprint", "-sha256"]);
    expect(out.trim().split("=")[1]).toBe(formatFingerprint(m.caFingerprint));
  });
});
