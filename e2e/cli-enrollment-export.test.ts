/**
 * Enrollment state across `hubwire export` → `hubwire apply` / `hubwire import`, with real
 * controller processes: nodes join controller A with `hubwire join`, the operator approves,
 * revokes and rejects them, and a fresh controller that applies (or imports) A's export has the
 * same states — the revoked name is refused there until `hubwire reset`. And `hubwire secrets
 * rotate` of both controller secrets, with a join token minted before the rotation still working.
 * Runs the build: `npm test` builds first.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  adminToken,
  type ControllerProcess,
  freePort,
  REPO_ROOT,
  startControllerProcess,
} from "../src/bench/api-controller.js";
import { corpYaml } from "../src/controller/testing/api-harness.js";
import { generatePrivateKey } from "../src/keys/wgkeys.js";

const run = promisify(execFile);
const PASSWORD = "cli-export-password-42";
let dir: string;
const controllers: ControllerProcess[] = [];

interface Started {
  readonly env: NodeJS.ProcessEnv;
}

async function controller(name: string): Promise<Started> {
  const port = await freePort();
  const c = await startControllerProcess({
    dataDir: join(dir, name),
    adminPassword: PASSWORD,
    extraArgs: ["--enroll-listen", `127.0.0.1:${port}`, "--enroll-rate-limit", "0"],
  });
  controllers.push(c);
  const token = await adminToken(c.url, PASSWORD, "export-test");
  return { env: { ...process.env, HUBWIRE_CONTROLLER: c.url, HUBWIRE_TOKEN: token, HOME: dir } };
}

async function hubwire(
  c: Started,
  args: string[],
  stdin?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = run(process.execPath, [join(REPO_ROOT, "bin", "hubwire.js"), ...args], { env: c.env });
  if (stdin !== undefined) {
    child.child.stdin!.end(stdin);
  }
  try {
    const { stdout, stderr } = await child;
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

async function states(c: Started): Promise<Record<string, string>> {
  const r = await hubwire(c, ["get", "enrollments", "-o", "json"]);
  expect(r.code, r.stderr).toBe(0);
  const parsed = JSON.parse(r.stdout) as
    | { items: Array<{ metadata: { name: string }; status?: { state?: string } }> }
    | Array<{ metadata: { name: string }; status?: { state?: string } }>;
  const items = Array.isArray(parsed) ? parsed : parsed.items;
  return Object.fromEntries(items.map((e) => [e.metadata.name, e.status?.state ?? "?"]));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hubwire-export-"));
});
afterAll(async () => {
  for (const c of controllers) await c.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("hubwire export → apply / import keeps enrollment states", () => {
  it("approved, revoked and rejected nodes keep their states in a fresh controller", async () => {
    const a = await controller("a");
    const corp = join(dir, "corp.yaml");
    await writeFile(corp, corpYaml());
    const applied = await hubwire(a, ["apply", corp]);
    expect(applied.code, applied.stderr).toBe(0);
    const token = (await hubwire(a, ["token", "create", "--policy", "branches"])).stdout;
    expect(token).toMatch(/^hwjoin1\./);
    const keys: Record<string, string> = {};
    for (const [i, name] of ["branch-ex1", "branch-ex2", "branch-ex3"].entries()) {
      keys[name] = join(dir, `${name}.key`);
      await writeFile(keys[name], `${generatePrivateKey()}\n`, { mode: 0o600 });
      const joined = await hubwire(
        a,
        [
          "join",
          "--token-file",
          "-",
          "--key-file",
          keys[name],
          "--name",
          name,
          "--subnet",
          `10.64.9${i}.0/24`,
        ],
        token,
      );
      expect(joined.code, joined.stderr).toBe(0);
    }
    expect((await hubwire(a, ["approve", "branch-ex1"])).code).toBe(0);
    expect((await hubwire(a, ["approve", "branch-ex2"])).code).toBe(0);
    expect((await hubwire(a, ["revoke", "branch-ex2", "--reason", "stolen"])).code).toBe(0);
    expect((await hubwire(a, ["reject", "branch-ex3", "--reason", "unknown site"])).code).toBe(0);
    const want = { "branch-ex1": "Approved", "branch-ex2": "Revoked", "branch-ex3": "Rejected" };
    expect(await states(a)).toMatchObject(want);

    const file = join(dir, "export.yaml");
    expect((await hubwire(a, ["export", "-o", file])).code).toBe(0);

    const b = await controller("b");
    const restored = await hubwire(b, ["apply", file]);
    expect(restored.code, restored.stderr).toBe(0);
    expect(await states(b)).toMatchObject(want);
    expect((await hubwire(b, ["apply", file])).stdout).toBe("no changes\n");

    const c = await controller("c");
    const imported = await hubwire(c, ["import", file]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(await states(c)).toMatchObject(want);

    // On the new controller the revoked name is refused until an operator resets it.
    const tokenB = (await hubwire(b, ["token", "create", "--policy", "branches"])).stdout;
    const again = ["join", "--token-file", "-", "--key-file", keys["branch-ex2"]!, "--name", "branch-ex2"];
    const refused = await hubwire(b, again, tokenB);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({ state: "Revoked" });
    expect((await hubwire(b, ["reset", "branch-ex2"])).code).toBe(0);
    const rejoined = await hubwire(b, again, tokenB);
    expect(rejoined.code, rejoined.stderr).toBe(0);
    expect(JSON.parse(rejoined.stdout)).toMatchObject({ state: "Pending" });
  });
});

describe("hubwire secrets rotate", () => {
  it("rotates the enrollment key (older tokens still join) and the preshared-key secret, audited", async () => {
    const a = await controller("secrets");
    const corp = join(dir, "corp-secrets.yaml");
    await writeFile(corp, corpYaml());
    expect((await hubwire(a, ["apply", corp])).code).toBe(0);
    const before = (await hubwire(a, ["token", "create", "--policy", "branches"])).stdout;

    const rotated = await hubwire(a, ["secrets", "rotate", "enrollment-key"]);
    expect(rotated.code, rotated.stderr).toBe(0);
    const publicKey = /new join tokens carry (\S+)/.exec(rotated.stdout)?.[1];
    expect(publicKey).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    const after = (await hubwire(a, ["token", "create", "--policy", "branches"])).stdout;

    // A token minted before the rotation and one minted after both join.
    for (const [i, token] of [before, after].entries()) {
      const key = join(dir, `rot-${i}.key`);
      await writeFile(key, `${generatePrivateKey()}\n`, { mode: 0o600 });
      const name = `branch-rot${i}`;
      const joined = await hubwire(
        a,
        ["join", "--token-file", "-", "--key-file", key, "--name", name, "--subnet", `10.64.8${i}.0/24`],
        token,
      );
      expect(joined.code, joined.stderr).toBe(0);
    }

    const psk = await hubwire(a, ["secrets", "rotate", "psk-secret"]);
    expect(psk.code, psk.stderr).toBe(0);
    expect(psk.stdout).toMatch(/^rotated psk-secret at \S+ \(generation \d+\)/);
    expect((await hubwire(a, ["secrets", "rotate", "no-such-secret"])).code).not.toBe(0);

    const audit = await fetch(`${a.env.HUBWIRE_CONTROLLER}/api/v1/audit?action=rotate-secret`, {
      headers: { authorization: `Bearer ${a.env.HUBWIRE_TOKEN}` },
    });
    const entries = ((await audit.json()) as { items: Array<{ name: string }> }).items;
    expect(entries.map((e) => e.name).sort()).toEqual(["enrollment-key", "psk-secret"]);
  });
});
