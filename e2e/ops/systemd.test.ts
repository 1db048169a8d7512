/**
 * The shipped systemd units under systemd's own checker: `systemd-analyze verify` (unknown
 * directives, bad values, missing executables: any output fails) for the controller unit and an
 * instance of the agent template, and `systemd-analyze security --offline` with a threshold, so a
 * hardening setting dropped by mistake fails the test. That the units start under systemd is not
 * tested here: the test machines have no systemd as PID 1.
 */
import { execFile } from "node:child_process";
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWith } from "../../src/testing/prerequisites.js";
import { DEPLOY } from "./deploy-files.js";

const UNITS = join(DEPLOY, "systemd");

function analyze(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile("systemd-analyze", args, { timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

describeWith(["systemd-analyze"], "deploy/systemd units", () => {
  let dir: string;
  // What `systemd-analyze security` scores the units now (0 best, 10 worst): 1.3 and 2.8.
  const units = [
    { file: "hubwire-controller.service", as: "hubwire-controller.service", threshold: 2 },
    { file: "hubwire-agent@.service", as: "hubwire-agent@edge-1.service", threshold: 3.5 },
  ];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "hubwire-units-"));
    for (const u of units) await copyFile(join(UNITS, u.file), join(dir, u.file));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  for (const u of units) {
    it(`verify ${u.as}: no errors and no warnings`, async () => {
      const r = await analyze(["verify", join(dir, u.as)]);
      expect({ code: r.code, output: `${r.stdout}${r.stderr}`.trim() }).toEqual({ code: 0, output: "" });
    });

    it(`security ${u.as}: exposure at most ${u.threshold}`, async () => {
      const r = await analyze([
        "security",
        "--offline=yes",
        `--threshold=${u.threshold * 10}`,
        join(dir, u.as),
      ]);
      const level = /Overall exposure level for \S+: ([\d.]+)/.exec(r.stdout)?.[1];
      expect(Number(level), r.stdout).toBeLessThanOrEqual(u.threshold);
      expect(r.code, r.stdout).toBe(0);
    });
  }

  it("verify fails on a unit with a mistake (the check is not a formality)", async () => {
    const bad = join(dir, "hubwire-broken.service");
    await copyFile(join(UNITS, "hubwire-controller.service"), bad);
    await writeFile(
      bad,
      (await readFile(bad, "utf8")).replace("ProtectSystem=strict", "ProtectSytem=strict"),
    );
    const r = await analyze(["verify", bad]);
    expect(`${r.stdout}${r.stderr}`).toContain("Unknown key 'ProtectSytem'");
  });
});
