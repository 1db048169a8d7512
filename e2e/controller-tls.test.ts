/**
 * The real controller binary on a non-loopback address serves only TLS, with
 * the CA it made on first start: a client pinning DATA_DIR/tls/ca.crt gets
 * through; one trusting nothing else is refused; the printed fingerprint is the
 * CA's; the first admin's password is printed once and stored 0600.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHash, X509Certificate } from "node:crypto";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const CLI = join(import.meta.dirname, "..", "bin", "hubwire.js");

function get(url: string, ca?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ...(ca ? { ca } : {}), timeout: 5000 }, (res) => {
      let body = "";
      res.on("data", (c) => {
        body += c;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
  });
}

async function start(dataDir: string, port: number): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(
    process.execPath,
    [CLI, "controller", "--data-dir", dataDir, "--listen", `0.0.0.0:${port}`, "--log-level", "warn"],
    {
      stdio: ["ignore", "pipe", "pipe"],
      // No HUBWIRE_ADMIN_PASSWORD: the controller must generate one.
      env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== "HUBWIRE_ADMIN_PASSWORD")),
    },
  );
  let output = "";
  child.stdout!.on("data", (c) => {
    output += c;
  });
  child.stderr!.on("data", (c) => {
    output += c;
  });
  const deadline = Date.now() + 20_000;
  while (!output.includes("listening on")) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`controller did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, output: () => output };
}

describe("controller over TLS (real binary)", () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it("serves TLS with its own CA on a non-loopback address and prints the CA fingerprint", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "hwt-tls-"));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const port = 20000 + (process.pid % 20000);
    const { child, output } = await start(dataDir, port);
    cleanups.push(async () => {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    });

    const ca = await readFile(join(dataDir, "tls", "ca.crt"), "utf8");
    const fingerprint = createHash("sha256").update(new X509Certificate(ca).raw).digest("hex");
    const printed = /CA SHA-256 fingerprint: ([0-9A-F:]+)/.exec(output())?.[1];
    expect(printed?.replace(/:/g, "").toLowerCase()).toBe(fingerprint);
    expect(output()).toMatch(/listening on https:\/\/0\.0\.0\.0:\d+/);

    const ok = await get(`https://127.0.0.1:${port}/healthz`, ca);
    expect(ok).toEqual({ status: 200, body: JSON.stringify({ status: "ok" }) });
    await expect(get(`https://127.0.0.1:${port}/healthz`)).rejects.toThrow(/certificate/i);

    const passwordFile = join(dataDir, "initial-admin-password");
    expect((await stat(passwordFile)).mode & 0o777).toBe(0o600);
    const password = (await readFile(passwordFile, "utf8")).trim();
    expect(output()).toContain(password);
  });
});
