/**
 * `hubwire import` against a real controller process: a CSV node list with a bad row is refused
 * with the row's line and nothing changes; the fixed list dry-runs, then imports.
 * Runs the build: `npm test` builds first.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  adminToken,
  type ControllerProcess,
  REPO_ROOT,
  request,
  startControllerProcess,
} from "../src/bench/api-controller.js";
import { buildIntent } from "../src/testing/topology.js";

const run = promisify(execFile);
const PASSWORD = "cli-import-password-42";
let dir: string;
let controller: ControllerProcess;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hubwire-import-"));
  controller = await startControllerProcess({ dataDir: join(dir, "data"), adminPassword: PASSWORD });
  const token = await adminToken(controller.url, PASSWORD, "import-test");
  const seed = await request(controller.url, "POST", "/api/v1/apply", {
    token,
    body: { items: buildIntent({ spokes: 0, hubs: 2 }).resources },
  });
  expect(seed.status, seed.body.toString()).toBe(200);
  env = { ...process.env, HUBWIRE_CONTROLLER: controller.url, HUBWIRE_TOKEN: token, HOME: dir };
});
afterAll(async () => {
  await controller?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

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

describe("hubwire import", () => {
  it("refuses a CSV with a bad row, naming its line; dry-runs and imports the fixed one", async () => {
    const hubs = buildIntent({ spokes: 0, hubs: 2 }).resources.filter((r) => r.kind === "Node");
    const hub = hubs[0]!.metadata.name;
    const network = (hubs[0]!.spec as { network: string }).network;
    const file = join(dir, "nodes.csv");
    await writeFile(
      file,
      `name,network,role,subnets,hubs\ncsv-1,${network},spoke,,${hub}\ncsv-2,${network},spoke,10.1.2.0/33,${hub}\n`,
    );
    const bad = await hubwire(["import", file]);
    expect(bad.code, bad.stderr).not.toBe(0);
    expect(bad.stderr).toMatch(/line 3: Node\/csv-2 spec\.subnets\[0\]/);

    await writeFile(
      file,
      `name,network,role,subnets,hubs\ncsv-1,${network},spoke,,${hub}\ncsv-2,${network},spoke,,${hub}\n`,
    );
    const dry = await hubwire(["import", file, "--dry-run"]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain("+ Node/csv-1");
    expect(dry.stdout).toMatch(/2 resource\(s\) read; 2 would change/);
    const real = await hubwire(["import", file]);
    expect(real.code, real.stderr).toBe(0);
    expect(real.stdout).toMatch(/2 changed; revision \d+/);
    const again = await hubwire(["import", file]);
    expect(again.stdout).toMatch(/0 changed/);
  });

  it("apply and import name every error of all three classes at once, in the user's own files", async () => {
    const files = join(dir, "intent");
    await mkdir(files, { recursive: true });
    await writeFile(
      join(files, "a.yaml"),
      "apiVersion: hubwire/v1\nkind: Node\nmetadata: { name: bad-role }\nspec:\n  network: wan\n  role: router\n",
    );
    await writeFile(
      join(files, "b.yaml"),
      "apiVersion: hubwire/v1\nkind: Node\nmetadata: { name: ok-1 }\nspec:\n  network: wan\n  role: spoke\n  hubs: [hub-0]\n  subnets: [10.77.0.0/24]\n" +
        "---\napiVersion: hubwire/v1\nkind: Node\nmetadata: { name: lost }\nspec:\n  network: nowhere\n  role: spoke\n  hubs: [hub-0]\n" +
        "---\napiVersion: hubwire/v1\nkind: Node\nmetadata: { name: clash }\nspec:\n  network: wan\n  role: spoke\n  hubs: [hub-0]\n  subnets: [10.77.0.0/25]\n",
    );
    const applied = await hubwire(["apply", files]);
    expect(applied.code, applied.stderr).toBe(1);
    const a = join(files, "a.yaml");
    const b = join(files, "b.yaml");
    expect(applied.stderr).toContain(`${a} line 6: Node/bad-role spec.role:`);
    expect(applied.stderr).toContain(
      `${b}#2 line 14: Node/lost spec.network: network nowhere does not exist [dangling-reference]`,
    );
    expect(applied.stderr).toMatch(
      new RegExp(`${b}(#1 line 8|#3 line 25): Node/(ok-1|clash) spec\\.subnets`),
    );

    const imported = await hubwire(["import", b]);
    expect(imported.code, imported.stderr).toBe(1);
    expect(imported.stderr).toContain("line 10: Node/lost spec.network");
    expect(imported.stderr).toMatch(/line (1|18): Node\/(ok-1|clash) spec\.subnets/);
    const nodes = await request(controller.url, "GET", "/api/v1/nodes/ok-1", { token: env.HUBWIRE_TOKEN });
    expect(nodes.status).toBe(404);
  });
});
