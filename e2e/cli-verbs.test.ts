/**
 * The CLI's everyday verbs against a real controller process, through the built binary: `get`
 * tables with the columns of each kind, `status` and `status NODE` from live status, `whoami`,
 * `login` then `logout` (the session ends on the controller too), `delete --help` naming the
 * kinds. Runs the build: `npm test` builds first.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  adminToken,
  type ControllerProcess,
  REPO_ROOT,
  startControllerProcess,
} from "../src/bench/api-controller.js";

const PASSWORD = "cli-verbs-password-4242";
let dir: string;
let controller: ControllerProcess;
let token: string;

async function hubwire(
  args: string[],
  env: NodeJS.ProcessEnv,
  stdin?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [join(REPO_ROOT, "bin", "hubwire.js"), ...args],
      { env: { ...process.env, HUBWIRE_CONTROLLER: "", HUBWIRE_TOKEN: "", ...env, HOME: dir } },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(stdin ?? "");
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hubwire-verbs-"));
  controller = await startControllerProcess({ dataDir: join(dir, "data"), adminPassword: PASSWORD });
  token = await adminToken(controller.url, PASSWORD, "verbs-test");
  const api = { HUBWIRE_CONTROLLER: controller.url, HUBWIRE_TOKEN: token };
  const applied = await hubwire(["apply", join(REPO_ROOT, "examples", "corp")], api);
  expect(applied.code, applied.stderr).toBe(0);
}, 60_000);
afterAll(async () => {
  await controller?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("hubwire CLI verbs", () => {
  const api = () => ({ HUBWIRE_CONTROLLER: controller.url, HUBWIRE_TOKEN: token });

  it("get shows the columns that matter per kind", async () => {
    const nets = await hubwire(["get", "networks"], api());
    expect(nets.stdout).toMatch(
      /^NAME\s+CIDR\s+CIDR6\s+TOPOLOGY\s+DEFAULT\ncorp\s+10\.100\.0\.0\/16\s+fd10:100::\/64\s+hub-and-spoke\s+deny\n$/,
    );
    const nodes = await hubwire(["get", "nodes"], api());
    expect(nodes.stdout.split("\n")[0]).toMatch(
      /^NAME\s+NETWORK\s+ROLE\s+ADDRESS\s+ENDPOINT\s+HUBS\s+STATE\s+ACTIVE-HUB$/,
    );
    expect(nodes.stdout).toMatch(
      /^branch-sha\s+corp\s+spoke\s+10\.100\.1\.7\s+198\.51\.100\.7:51820\s+hub-sgp,hub-fra\s+never-reported\s+-$/m,
    );
    const policies = await hubwire(["get", "enrollment-policies"], api());
    expect(policies.stdout).toMatch(/^branches\s+corp\s+spoke\s+branch-\*\s+10\.100\.1\.0\/24\s+manual$/m);
  });

  it("status lists live state; status NODE shows one node", async () => {
    const all = await hubwire(["status"], api());
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toMatch(
      /^NAME\s+NETWORK\s+ROLE\s+STATE\s+LAST-REPORT\s+ACTIVE-HUB\s+REVISION\s+RX\s+TX$/m,
    );
    expect(all.stdout).toMatch(/^hub-fra\s+corp\s+hub\s+never-reported\s+-\s+\(\d+ spokes\)/m);
    const one = await hubwire(["status", "branch-ber"], api());
    expect(one.stdout).toMatch(/^node:\s+branch-ber \(spoke, network corp\)\nstate:\s+never-reported\n/);
    const missing = await hubwire(["status", "nobody"], api());
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/nobody/);
  });

  it("whoami, login and logout", async () => {
    expect((await hubwire(["whoami"], api())).stdout).toMatch(
      /^token:.*\(admin\) on http:\/\/127\.0\.0\.1:\d+\n$/,
    );
    const login = await hubwire(
      ["login", "--controller", controller.url, "--user", "admin", "--password-stdin"],
      {},
      `${PASSWORD}\n`,
    );
    expect(login.code, login.stderr).toBe(0);
    expect((await hubwire(["whoami"], {})).stdout).toMatch(/^user:admin \(admin\) on /);
    const out = await hubwire(["logout"], {});
    expect(out.stdout).toMatch(/^logged out of /);
    const after = await hubwire(["whoami"], {});
    expect(after.code).not.toBe(0);
    expect(after.stderr).toMatch(/not logged in/);
  });

  it("delete --help names the kinds", async () => {
    const help = await hubwire(["delete", "--help"], {});
    for (const k of [
      "networks",
      "nodes",
      "enrollment-policies",
      "enrollments",
      "access-policies",
      "peer-overrides",
    ])
      expect(help.stdout).toContain(k);
  });
});
