/**
 * `hubwire plan PATH --controller URL` against a real controller process: after `apply` of
 * examples/corp, planning the same files shows no changes (addresses the controller pinned for
 * nodes the files leave to IPAM are compared as `apply` would keep them); an edited access policy
 * shows the resource's field change and the hubs' nftables rules line by line, and agrees with
 * `apply --dry-run`. Runs the build: `npm test` builds first.
 */
import { execFile } from "node:child_process";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  adminToken,
  type ControllerProcess,
  REPO_ROOT,
  startControllerProcess,
} from "../src/bench/api-controller.js";

const run = promisify(execFile);
const PASSWORD = "cli-plan-password-4242";
const CORP = join(REPO_ROOT, "examples", "corp");
let dir: string;
let controller: ControllerProcess;
let env: NodeJS.ProcessEnv;

async function hubwire(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(REPO_ROOT, "bin", "hubwire.js"), ...args], {
      env,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hubwire-plan-"));
  controller = await startControllerProcess({ dataDir: join(dir, "data"), adminPassword: PASSWORD });
  const token = await adminToken(controller.url, PASSWORD, "plan-test");
  env = { ...process.env, HUBWIRE_CONTROLLER: controller.url, HUBWIRE_TOKEN: token, HOME: dir };
}, 60_000);
afterAll(async () => {
  await controller?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("hubwire plan --controller", () => {
  it("shows no changes after apply, and an edit as fields plus the nftables diff", async () => {
    const applied = await hubwire(["apply", CORP]);
    expect(applied.code, applied.stderr).toBe(0);
    const same = await hubwire(["plan", CORP, "--controller", controller.url, "--exit-code"]);
    expect(same.stdout).toBe("no changes\n");
    expect(same.code).toBe(0);

    const edited = join(dir, "corp");
    await cp(CORP, edited, { recursive: true });
    const policies = join(edited, "policies.yaml");
    await writeFile(
      policies,
      (await readFile(policies, "utf8")).replace(
        'ports: ["tcp/22", "tcp/443", "icmp"]',
        'ports: ["tcp/22", "icmp"]',
      ),
    );
    const plan = await hubwire(["plan", edited, "--controller", controller.url, "--exit-code"]);
    expect(plan.code, plan.stderr).toBe(1);
    expect(plan.stdout).toMatch(/^~ AccessPolicy\/branches-to-dc\n {4}spec\.rules: .*"tcp\/443".* → .*/m);
    expect(plan.stdout).not.toMatch(/tunnelAddress/);
    expect(plan.stdout).toMatch(/node hub-fra .*:\n {4}~ firewall rules\n {8}@@ line \d+\n {8}- .*443/);
    const dry = await hubwire(["apply", edited, "--dry-run"]);
    expect(dry.code, dry.stderr).toBe(0);
    // The same resource change and the same number of node configurations as the controller's plan.
    expect(dry.stdout).toContain("~ AccessPolicy/branches-to-dc\n");
    const planned = plan.stdout.match(/^(\d+) node configuration\(s\) change:$/m)![1];
    expect(dry.stdout).toContain(`would change ${planned} node configuration(s)`);
  }, 120_000);
});
