/**
 * A running controller renews its server certificate before it expires and
 * serves the new one without a restart, keeping its CA.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { afterAll, describe, expect, it } from "vitest";
import { startController } from "../server.js";

function servedCertificate(port: number, ca: string): Promise<tls.PeerCertificate> {
  return new Promise((resolve, reject) => {
    // The renewed certificate starts in the (injected) future, so only its identity is checked here.
    const socket = tls.connect({ host: "127.0.0.1", port, ca, rejectUnauthorized: false }, () => {
      const cert = socket.getPeerCertificate();
      socket.end();
      resolve(cert);
    });
    socket.on("error", reject);
  });
}

describe("server certificate renewal while running", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "hwt-renew-"));
  const port = 21000 + (process.pid % 20000);
  const previous = process.env.HUBWIRE_ADMIN_PASSWORD;
  process.env.HUBWIRE_ADMIN_PASSWORD = "renewal-test-password";
  const running = await startController({
    listen: [`0.0.0.0:${port}`],
    dataDir,
    logLevel: "warn",
    print: () => undefined,
  }).finally(() => {
    if (previous === undefined) delete process.env.HUBWIRE_ADMIN_PASSWORD;
    else process.env.HUBWIRE_ADMIN_PASSWORD = previous;
  });
  afterAll(async () => {
    await running.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("does nothing while the certificate is fresh, renews it within 30 days of expiry, keeps the CA", async () => {
    const ca = await readFile(join(dataDir, "tls", "ca.crt"), "utf8");
    const first = await servedCertificate(port, ca);
    expect(await running.renewTls(new Date())).toBe(false);

    const nearExpiry = new Date(new Date(first.valid_to).getTime() - 10 * 86400_000);
    expect(await running.renewTls(nearExpiry)).toBe(true);
    const second = await servedCertificate(port, ca);
    expect(second.serialNumber).not.toBe(first.serialNumber);
    expect(new Date(second.valid_to).getTime()).toBeGreaterThan(new Date(first.valid_to).getTime());
    expect(second.issuer).toEqual(first.issuer);
    expect(await readFile(join(dataDir, "tls", "ca.crt"), "utf8")).toBe(ca);
  });
});
