/**
 * The README's walkthrough, run as written: the shell code blocks between
 * `<!-- walkthrough:start -->` and `<!-- walkthrough:end -->` in README.md, line by line, in
 * order, each through `bash -c` as a user pasting it would (one `bash` per line, so the
 * walkthrough must not carry shell variables from line to line), asserting each exits 0; then
 * the end state through the API (the corp intent applied, the joined node approved with its
 * subnet, the export re-applying to no change).
 *
 * What is substituted, and nothing else:
 * - the ports `127.0.0.1:7070` and `127.0.0.1:7443` → free loopback ports;
 * - `npx hubwire` → `node bin/hubwire.js` (the built binary npx would run);
 * - the folder: every line runs in a fresh temporary directory holding symlinks to this
 *   checkout's `bin/` and `examples/` and `package.json`, so `./data`, `token`, `key` and
 *   `intent.yaml` land there and `HOME` (the CLI's saved login) is that directory too;
 * - `npm ci` is not run: the test runs inside the installed, built checkout it produces (and
 *   fails when `dist/` is missing);
 * - `npm start` runs package.json's `start` script (with the ports substituted) in the
 *   background, and the next line waits until it prints that it listens.
 * Any other `npm` line fails the test: teach it here first.
 * Runs the build: `npm test` builds first.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminToken, freePort, REPO_ROOT, request } from "../src/bench/api-controller.js";

/** The shell lines between the markers, in order: comments dropped, `\` continuations joined. */
function walkthroughLines(readme: string): string[] {
  const start = readme.indexOf("<!-- walkthrough:start -->");
  const end = readme.indexOf("<!-- walkthrough:end -->");
  if (start < 0 || end < start) throw new Error("README.md has no <!-- walkthrough:start/end --> markers");
  const section = readme.slice(start, end);
  const lines: string[] = [];
  for (const block of section.matchAll(/```(?:sh|bash|shell)\n([\s\S]*?)```/g)) {
    let pending = "";
    for (const raw of block[1]!.split("\n")) {
      const line = raw.trim();
      if (!pending && (line === "" || line.startsWith("#"))) continue;
      if (line.endsWith("\\")) {
        pending += `${line.slice(0, -1)} `;
        continue;
      }
      lines.push(pending + line);
      pending = "";
    }
    if (pending) throw new Error(`a walkthrough line ends in "\\" with nothing after it: ${pending}`);
  }
  return lines;
}

/** The command of a line without its trailing `# comment` (none of these lines quote a `#`). */
const command = (line: string) => line.replace(/\s+#.*$/, "").trim();

let dir: string;
let controller: ChildProcess | undefined;
let controllerOutput = "";
let apiPort: number;
let enrollPort: number;
let env: NodeJS.ProcessEnv;

function substitute(line: string): string {
  return line
    .replaceAll("127.0.0.1:7070", `127.0.0.1:${apiPort}`)
    .replaceAll("127.0.0.1:7443", `127.0.0.1:${enrollPort}`)
    .replace(/\bnpx hubwire\b/g, `"${process.execPath}" bin/hubwire.js`);
}

function bash(line: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile("bash", ["-o", "pipefail", "-c", line], { cwd: dir, env }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Runs package.json's `start` script as `npm start` would, and waits for its "listening" line. */
async function npmStart(): Promise<void> {
  const pkg = JSON.parse(await readFile(join(REPO_ROOT, "package.json"), "utf8")) as {
    scripts: Record<string, string>;
  };
  const script = pkg.scripts.start;
  if (!script?.startsWith("node ")) throw new Error(`package.json's start script is not "node …": ${script}`);
  // The script is plain words (no quoting or shell syntax); a change to that should fail here.
  const words = substitute(script).split(/\s+/);
  if (words.some((w) => /["'$`|&;<>]/.test(w))) throw new Error(`start script needs a shell: ${script}`);
  const child = spawn(process.execPath, words.slice(1), { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
  controller = child;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`npm start did not listen: ${controllerOutput}`)),
      30_000,
    );
    const seen = (s: string) => {
      controllerOutput += s;
      if (/listening on http/.test(controllerOutput)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.setEncoding("utf8").on("data", seen);
    child.stderr!.setEncoding("utf8").on("data", (s: string) => {
      controllerOutput += s;
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited (${code}): ${controllerOutput}`));
    });
  });
}

beforeAll(async () => {
  if (!existsSync(join(REPO_ROOT, "dist", "cli", "main.js")))
    throw new Error("dist/ is missing: run `npm run build` (npm ci runs it through prepare)");
  dir = await mkdtemp(join(tmpdir(), "hubwire-walkthrough-"));
  for (const name of ["bin", "examples", "package.json"])
    await symlink(join(REPO_ROOT, name), join(dir, name));
  apiPort = await freePort();
  enrollPort = await freePort();
  // A user's shell: no saved login, no token from the environment, no admin password given.
  env = { ...process.env, HOME: dir };
  for (const name of ["HUBWIRE_CONTROLLER", "HUBWIRE_TOKEN", "HUBWIRE_CA_FILE", "HUBWIRE_CONFIG_DIR"])
    delete env[name];
  delete env.HUBWIRE_ADMIN_PASSWORD;
  delete env.HUBWIRE_PASSWORD;
});
afterAll(async () => {
  if (controller && controller.exitCode === null) {
    const exited = new Promise((resolve) => controller!.once("exit", resolve));
    controller.kill("SIGTERM");
    await exited;
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("the README walkthrough", () => {
  it("runs as written, and leaves the state it describes", async () => {
    const lines = walkthroughLines(await readFile(join(REPO_ROOT, "README.md"), "utf8"));
    // The end-state checks below need the walkthrough to start, apply, join and approve.
    for (const needed of ["npm start", "apply examples/corp", "join ", "approve branch-new", "export"])
      expect(
        lines.some((l) => l.includes(needed)),
        `the walkthrough has no "${needed}"`,
      ).toBe(true);

    const outputs = new Map<string, string>();
    for (const line of lines) {
      const cmd = command(line);
      if (cmd === "npm ci") continue; // the checkout is installed and built (checked above)
      if (cmd === "npm start") {
        await npmStart();
        continue;
      }
      if (/^npm\b/.test(cmd)) throw new Error(`the walkthrough test does not know how to run "${cmd}"`);
      const r = await bash(substitute(line));
      expect(r.code, `README walkthrough: ${line}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(0);
      outputs.set(cmd, r.stdout);
    }

    // What the comments promise.
    expect(outputs.get("npx hubwire apply intent.yaml --dry-run")).toMatch(/no changes/);
    expect(outputs.get("npx hubwire get nodes --label tier=branch")).toMatch(
      /^branch-new\s+corp\s+spoke\s+10\.100\.1\./m,
    );

    // The end state, seen through the API with the password the controller made.
    const password = (await readFile(join(dir, "data", "initial-admin-password"), "utf8")).trim();
    const url = `http://127.0.0.1:${apiPort}`;
    const token = await adminToken(url, password, "walkthrough-check");
    const get = async <T>(path: string) => {
      const r = await request(url, "GET", path, { token });
      expect(r.status, `${path}: ${r.body}`).toBe(200);
      return r.json<T>();
    };
    const nodes = await get<{ items: Array<{ metadata: { name: string }; spec: { subnets?: string[] } }> }>(
      "/api/v1/nodes?limit=100",
    );
    const names = nodes.items.map((n) => n.metadata.name).sort();
    expect(names).toEqual([
      "branch-ber",
      "branch-new",
      "branch-nyc",
      "branch-sha",
      "edge-rig",
      "hub-fra",
      "hub-sgp",
      "laptop-alice",
    ]);
    expect(nodes.items.find((n) => n.metadata.name === "branch-new")?.spec.subnets).toEqual([
      "10.64.19.0/24",
    ]);
    const enrollment = await get<{ status?: { state?: string } }>("/api/v1/enrollments/branch-new");
    expect(enrollment.status?.state).toBe("Approved");
    // npm start serves the UI too (the walkthrough's last paragraph sends the user there).
    const ui = await request(url, "GET", "/");
    expect(ui.status).toBe(200);
    expect(String(ui.headers["content-type"])).toMatch(/^text\/html/);
    // logout ended the CLI's session: a saved login is gone.
    expect(existsSync(join(dir, ".config", "hubwire", "credentials.json"))).toBe(false);
  }, 180_000);
});
