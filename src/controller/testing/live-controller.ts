/**
 * A real controller in this process for tests that need its listeners (TLS enrollment listener,
 * pinned clients): started with `startController` on free loopback ports, an admin API token made
 * through the API, and a small JSON client for the API. Closed by the caller.
 */
import { createServer } from "node:net";
import { type RunningController, startController } from "../server.js";

/** An API answer as tests read it. */
// biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the API answered
export type ApiAnswer = { status: number; json: any };

export interface LiveController {
  readonly apiUrl: string;
  readonly enrollUrl: string;
  readonly running: RunningController;
  /** Calls the API as the admin; returns status and parsed JSON (or text). */
  call(method: string, path: string, body?: unknown, contentType?: string): Promise<ApiAnswer>;
  close(): Promise<void>;
}

export async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const PASSWORD = "live-controller-password-0123";

export async function liveController(
  dataDir: string,
  options: {
    databaseUrl?: string;
    enrollLimits?: Parameters<typeof startController>[0]["enrollLimits"];
  } = {},
): Promise<LiveController> {
  const [apiPort, enrollPort] = [await freeLoopbackPort(), await freeLoopbackPort()];
  const before = process.env.HUBWIRE_ADMIN_PASSWORD;
  process.env.HUBWIRE_ADMIN_PASSWORD = PASSWORD;
  let running: RunningController;
  try {
    running = await startController({
      listen: [`127.0.0.1:${apiPort}`],
      enrollListen: `127.0.0.1:${enrollPort}`,
      dataDir,
      ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
      ...(options.enrollLimits ? { enrollLimits: options.enrollLimits } : {}),
      logLevel: "error",
      print: () => undefined,
    });
  } finally {
    if (before === undefined) delete process.env.HUBWIRE_ADMIN_PASSWORD;
    else process.env.HUBWIRE_ADMIN_PASSWORD = before;
  }
  const apiUrl = running.urls[0]!;
  const login = await fetch(`${apiUrl}/api/v1/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "admin", password: PASSWORD }),
  });
  const cookie = /__Host-hubwire_session=([^;]*)/.exec(login.headers.get("set-cookie") ?? "")![1]!;
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  const created = await fetch(`${apiUrl}/api/v1/tokens`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      cookie: `__Host-hubwire_session=${cookie}`,
      "x-csrf-token": csrfToken,
    },
    body: JSON.stringify({ name: "live-admin", role: "admin" }),
  });
  const { token } = (await created.json()) as { token: string };
  const call = async (method: string, path: string, body?: unknown, contentType?: string) => {
    const res = await fetch(`${apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { "content-type": contentType ?? "application/json" } : {}),
      },
      ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let json: unknown = text;
    try {
      json = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, json };
  };
  return { apiUrl, enrollUrl: running.enrollUrl!, running, call, close: () => running.close() };
}
