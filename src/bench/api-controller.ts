/**
 * The real controller as a separate process, for the API benchmark and the crash test:
 * `node bin/hubwire.js controller …` started on a free loopback port and awaited until it prints
 * its "listening" line; an admin API token obtained the way an operator would (log in, create a
 * token); and a small HTTP client over a keep-alive agent that never throws for an HTTP status.
 * Needs the build (`dist/`): `bin/hubwire.js` loads it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import http from "node:http";
import { createServer } from "node:net";
import { join } from "node:path";

/** The repository's root, from `src/bench` or `dist/bench` alike. */
export const REPO_ROOT = join(import.meta.dirname, "..", "..");
const BIN = join(REPO_ROOT, "bin", "hubwire.js");
const BUILT = join(REPO_ROOT, "dist", "cli", "main.js");

/** A running controller process. */
export interface ControllerProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
  /** SIGTERM, then waits for the exit (SIGKILL after 10 s). */
  stop(): Promise<number | string>;
}

/** Where and how to start a controller. */
export interface ControllerStart {
  readonly dataDir: string;
  readonly databaseUrl?: string;
  /** HUBWIRE_ADMIN_PASSWORD (at least 12 characters). */
  readonly adminPassword: string;
  readonly logLevel?: string;
  /** How long to wait for the "listening" line. */
  readonly timeoutMs?: number;
  /** More `hubwire controller` flags (e.g. `--enroll-listen`). */
  readonly extraArgs?: readonly string[];
  /** Node.js flags before the script (e.g. `--cpu-prof`, to profile the controller). */
  readonly nodeArgs?: readonly string[];
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts `node bin/hubwire.js controller` and resolves once it listens. */
export async function startControllerProcess(options: ControllerStart): Promise<ControllerProcess> {
  if (!existsSync(BUILT)) {
    throw new Error(`${BUILT} is missing: run \`npm run build\` first (npm test and npm run bench:api do)`);
  }
  const port = await freePort();
  // BENCH_CONTROLLER_NODE_ARGS: extra `node` flags for the controller (e.g. `--cpu-prof
  // --cpu-prof-dir=/tmp/prof`, which NODE_OPTIONS refuses), to profile it under a benchmark.
  const nodeArgs = (process.env.BENCH_CONTROLLER_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const args = [
    ...nodeArgs,
    ...(options.nodeArgs ?? []),
    BIN,
    "controller",
    "--data-dir",
    options.dataDir,
    "--listen",
    `127.0.0.1:${port}`,
    "--log-level",
    options.logLevel ?? "warn",
    ...(options.databaseUrl ? ["--database-url", options.databaseUrl] : []),
    ...(options.extraArgs ?? []),
  ];
  const child = spawn(process.execPath, args, {
    env: { ...process.env, HUBWIRE_ADMIN_PASSWORD: options.adminPassword },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (s: string) => {
    stderr += s;
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown")),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the controller did not start within ${options.timeoutMs ?? 30_000} ms: ${stderr}`));
    }, options.timeoutMs ?? 30_000);
    child.stdout!.setEncoding("utf8").on("data", (s: string) => {
      stdout += s;
      const m = /listening on (http\S+?)[,\s]/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the controller exited (${code}) before listening: ${stderr}${stdout}`));
    });
  });
  return {
    url,
    child,
    exited,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const force = setTimeout(() => child.kill("SIGKILL"), 10_000);
        const code = await exited;
        clearTimeout(force);
        return code;
      }
      return exited;
    },
  };
}

/** An answer; `json` parses the body. */
export interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  json<T>(): T;
}

/** One HTTP request; rejects only for network errors (a killed controller), never for a status. */
export function request(
  url: string,
  method: string,
  path: string,
  options: { token?: string; headers?: Record<string, string>; body?: unknown; agent?: http.Agent } = {},
): Promise<Answer> {
  const body =
    options.body === undefined
      ? undefined
      : Buffer.isBuffer(options.body)
        ? options.body
        : Buffer.from(JSON.stringify(options.body));
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (body) {
    headers["content-type"] ??= "application/json";
    headers["content-length"] = String(body.length);
  }
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(path, url), { method, headers, agent: options.agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => {
        if (!res.complete) return reject(new Error("the answer was cut short"));
        const data = Buffer.concat(chunks);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: data,
          json: <T>() => JSON.parse(data.toString("utf8")) as T,
        });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Logs in as `admin` and creates an admin API token named `name`; returns the token. */
export async function adminToken(url: string, password: string, name = "bench"): Promise<string> {
  const login = await request(url, "POST", "/api/v1/login", { body: { name: "admin", password } });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${login.body}`);
  const cookie = /__Host-hubwire_session=[^;]+/.exec(String(login.headers["set-cookie"] ?? ""))?.[0];
  const { csrfToken } = login.json<{ csrfToken: string }>();
  const created = await request(url, "POST", "/api/v1/tokens", {
    headers: { cookie: cookie ?? "", "x-csrf-token": csrfToken },
    body: { name, role: "admin" },
  });
  if (created.status !== 201) throw new Error(`token creation failed: ${created.status} ${created.body}`);
  return created.json<{ token: string }>().token;
}
