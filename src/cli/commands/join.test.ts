/**
 * The enrollment verbs end to end against a real controller (in-process, real TLS listeners):
 * `token create` prints the token alone, `join` enrolls from files (never argv) and prints the
 * answer, `approve`/`reject`/`revoke` and `token list|revoke` drive the API.
 */
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { corpYaml } from "../../controller/testing/api-harness.js";
import { type LiveController, liveController } from "../../controller/testing/live-controller.js";
import { scratchDir } from "../../controller/testing/scratch-dir.js";
import { generatePrivateKey } from "../../keys/wgkeys.js";
import { runCli } from "../testing/run-cli.js";

const dirs = await scratchDir("hubwire-cli-join-");
let live: LiveController;
let work: string;

beforeAll(async () => {
  live = await liveController(dirs.next());
  expect((await live.call("POST", "/api/v1/apply", corpYaml(), "application/yaml")).status).toBe(200);
  const created = await live.call("POST", "/api/v1/tokens", { name: "cli", role: "operator" });
  process.env.HUBWIRE_CONTROLLER = live.apiUrl;
  process.env.HUBWIRE_TOKEN = created.json.token;
  work = dirs.next();
  await import("node:fs/promises").then((fs) => fs.mkdir(work, { recursive: true }));
}, 60_000);
afterAll(async () => {
  delete process.env.HUBWIRE_CONTROLLER;
  delete process.env.HUBWIRE_TOKEN;
  await live?.close();
});

const run = runCli;

/** `hubwire join` with the token from `tokenFile` ("-": from `stdin`) and the key from `keyFile`. */
const joinAs = (name: string, tokenFile: string, keyFile: string, extra: string[] = [], stdin = "") =>
  run(["join", "--token-file", tokenFile, "--key-file", keyFile, "--name", name, ...extra], stdin);

describe("hubwire token / join / approve / reject / revoke", () => {
  it("creates a token, joins with it from files, and the operator approves, lists and revokes", async () => {
    const created = await run(["token", "create", "--policy", "branches", "--ttl", "1h", "--uses", "2"]);
    expect(created.code, created.err).toBe(0);
    expect(created.out).toMatch(/^hwjoin1\.[A-Za-z0-9_-]+\n$/);
    const tokenFile = join(work, "token");
    const keyFile = join(work, "key");
    await writeFile(tokenFile, created.out, { mode: 0o600 });
    await writeFile(keyFile, `${generatePrivateKey()}\n`, { mode: 0o600 });

    const joined = await joinAs("branch-cli", tokenFile, keyFile, ["--subnet", "10.64.80.0/24"]);
    expect(joined.code, joined.err).toBe(0);
    expect(JSON.parse(joined.out)).toMatchObject({ state: "Pending", node: "branch-cli" });

    expect((await run(["get", "enrollments", "--state", "Pending"])).out).toContain("branch-cli");
    expect((await run(["get", "enrollments", "--state", "Approved"])).out).not.toContain("branch-cli");
    expect((await run(["approve", "branch-cli"])).out).toBe("approved branch-cli\n");
    const credentialFile = join(work, "credential");
    const again = await joinAs(
      "branch-cli",
      "-",
      keyFile,
      ["--credential-file", credentialFile],
      created.out,
    );
    expect(again.code, again.err).toBe(0);
    expect(JSON.parse(again.out)).toMatchObject({ state: "Approved", credentialFile });
    expect(again.out).not.toContain("hwn_");
    expect(await readFile(credentialFile, "utf8")).toMatch(/^hwn_branch-cli_/);
    expect((await stat(credentialFile)).mode & 0o777).toBe(0o600);

    const listed = await run(["token", "list"]);
    expect(listed.out).toMatch(/POLICY[\s\S]*branches\s+1\/2/);
    const id = listed.out.split("\n")[1]!.split(/\s+/)[0]!;
    expect((await run(["token", "revoke", id])).code).toBe(0);
    expect((await run(["token", "list"])).out).toContain("revoked");

    expect((await run(["revoke", "branch-cli", "--reason", "test"])).out).toBe("revoked branch-cli\n");
    // A revoked node never comes back, even with a fresh token.
    const fresh = (await run(["token", "create", "--policy", "branches"])).out;
    const refused = await joinAs("branch-cli", "-", keyFile, [], fresh);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.out), refused.out).toMatchObject({ state: "Revoked" });
    // Until an operator resets it: then the name enrolls again, with a new key.
    expect((await run(["reset", "branch-cli", "--reason", "rebuilt"])).out).toBe(
      "reset branch-cli (was Revoked); it may enroll again\n",
    );
    expect((await run(["reset", "branch-cli"])).code).not.toBe(0);
    const newKey = join(work, "key-new");
    await writeFile(newKey, `${generatePrivateKey()}\n`, { mode: 0o600 });
    const rejoined = await joinAs("branch-cli", "-", newKey, [], fresh);
    expect(rejoined.code, rejoined.err).toBe(0);
    expect(JSON.parse(rejoined.out)).toMatchObject({ state: "Pending", node: "branch-cli" });
  });

  it("rejects with a reason, and refuses bad flags and unreadable files clearly", async () => {
    const token = (await run(["token", "create", "--policy", "branches"])).out;
    const tokenFile = join(work, "token2");
    const keyFile = join(work, "key2");
    await writeFile(tokenFile, token);
    await writeFile(keyFile, generatePrivateKey());
    await joinAs("branch-rej", tokenFile, keyFile, ["--subnet", "10.64.81.0/24"]);
    expect((await run(["reject", "branch-rej"])).code).toBe(2); // --reason is required
    expect((await run(["reject", "branch-rej", "--reason", "unknown site"])).out).toBe(
      "rejected branch-rej\n",
    );
    const status = await live.call("GET", "/api/v1/enrollments/branch-rej");
    expect(status.json.status).toMatchObject({ state: "Rejected", reason: "unknown site" });

    expect((await run(["token", "create", "--policy", "branches", "--uses", "0"])).code).toBe(2);
    // branch-x joining with the token read from `file` (which is missing or unreadable as a token).
    const joinWith = (file: string) => joinAs("branch-x", join(work, file), keyFile);
    const missing = await joinWith("nope");
    expect(missing.code).toBe(3);
    expect(missing.err).toContain("cannot read the join token file");
    await writeFile(join(work, "garbage"), "hwjoin1.!!!");
    const garbage = await joinWith("garbage");
    expect(garbage.code).toBe(2);
    expect(garbage.err).toContain("join token");
  });
});
