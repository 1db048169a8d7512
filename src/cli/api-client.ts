/**
 * The CLI's client for the controller API. Credentials come from
 * HUBWIRE_CONTROLLER / HUBWIRE_TOKEN / HUBWIRE_CA_FILE, or from what
 * `hubwire login` saved (a session cookie and its CSRF token, file mode 0600).
 * HTTPS verifies the controller against the given CA file.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { apiFailure, CliError, EXIT } from "./exit-codes.js";

export interface Credentials {
  readonly controller: string;
  readonly token?: string;
  readonly session?: string;
  readonly csrfToken?: string;
  readonly caFile?: string;
}

export function credentialsPath(): string {
  return join(process.env.HUBWIRE_CONFIG_DIR ?? join(homedir(), ".config", "hubwire"), "credentials.json");
}

export async function saveCredentials(c: Credentials): Promise<void> {
  const file = credentialsPath();
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, `${JSON.stringify(c, null, 2)}\n`, { mode: 0o600 });
}

export async function loadCredentials(): Promise<Credentials> {
  const env = process.env;
  if (env.HUBWIRE_CONTROLLER && env.HUBWIRE_TOKEN) {
    return { controller: env.HUBWIRE_CONTROLLER, token: env.HUBWIRE_TOKEN, caFile: env.HUBWIRE_CA_FILE };
  }
  try {
    return JSON.parse(await readFile(credentialsPath(), "utf8")) as Credentials;
  } catch {
    throw new CliError(
      "not logged in: run `hubwire login --controller URL --user NAME`, or set HUBWIRE_CONTROLLER and HUBWIRE_TOKEN",
      EXIT.usage,
    );
  }
}

export interface ApiResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
  json<T>(): T;
}

export interface RequestOptions {
  readonly body?: string;
  readonly contentType?: string;
  readonly accept?: string;
  /** Rewrites the place an issue names (`source`), e.g. from the request body to the user's files. */
  readonly place?: (source: string) => string;
}

/** One request; network errors and non-2xx answers become CliErrors with the API's own message. */
export async function apiRequest(
  c: Credentials,
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<ApiResponse> {
  const url = new URL(path, c.controller);
  const ca = c.caFile
    ? await readFile(c.caFile, "utf8").catch(() => {
        throw new CliError(`cannot read the CA file ${c.caFile}`, EXIT.io);
      })
    : undefined;
  const headers: Record<string, string> = { accept: options.accept ?? "application/json" };
  if (options.body !== undefined) headers["content-type"] = options.contentType ?? "application/json";
  if (c.token) headers.authorization = `Bearer ${c.token}`;
  if (c.session) headers.cookie = `__Host-hubwire_session=${c.session}`;
  if (c.csrfToken && method !== "GET") headers["x-csrf-token"] = c.csrfToken;
  const response = await new Promise<ApiResponse>((resolve, reject) => {
    const lib = url.protocol === "https:" ? https : http;
    const req = lib.request(url, { method, headers, ...(ca ? { ca } : {}), timeout: 60_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text,
          json: <T>() => JSON.parse(text) as T,
        });
      });
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", (e) => reject(new CliError(`cannot reach ${url.origin}: ${e.message}`, EXIT.io)));
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
  if (response.status >= 200 && response.status < 300) return response;
  throw apiFailure(`${method} ${url.pathname}`, response.status, response.text, options.place);
}

/** The items of the list at `path` (such lists are answered whole, in one response). */
export async function getItems<T>(path: string): Promise<T[]> {
  return (await apiRequest(await loadCredentials(), "GET", path)).json<{ items: T[] }>().items;
}

/** Every node's live status (`/api/v1/node-status`, read page by page), of `network` only when given. */
export async function* nodeStatuses<T extends { node: string }>(
  c: Credentials,
  network?: string,
): AsyncGenerator<T> {
  let after: string | undefined;
  do {
    const q = new URLSearchParams({ limit: "1000" });
    if (network) q.set("network", network);
    if (after) q.set("after", after);
    const page = (await apiRequest(c, "GET", `/api/v1/node-status?${q}`)).json<{
      items: T[];
      next?: string;
    }>();
    yield* page.items;
    after = page.next;
  } while (after);
}
