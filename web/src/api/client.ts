/**
 * The one way the UI talks to the controller: same-origin fetch with the
 * session cookie, the CSRF token on every change, and errors turned into
 * {@link ApiError} with the API's stable code and per-field issues.
 */
import type { Issue } from "./types";

const CSRF_KEY = "hubwire.csrf";

/** An error answer of the API (or a network failure, code `network`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: readonly Issue[] = [],
  ) {
    super(message);
  }
}

export function setCsrfToken(token: string | undefined): void {
  if (token) sessionStorage.setItem(CSRF_KEY, token);
  else sessionStorage.removeItem(CSRF_KEY);
}

export function hasCsrfToken(): boolean {
  return sessionStorage.getItem(CSRF_KEY) !== null;
}

type Unauthenticated = () => void;
let onUnauthenticated: Unauthenticated = () => {};
/** Called when an answer says the session is gone (401): the app shows the login page. */
export function setUnauthenticatedHandler(fn: Unauthenticated): void {
  onUnauthenticated = fn;
}

export interface RequestOptions {
  readonly body?: unknown;
  readonly query?: Record<string, string | number | boolean | readonly string[] | undefined>;
  /** Answer as text (wg-quick files, CSV, YAML, JSON lines) instead of JSON. */
  readonly text?: boolean;
  readonly signal?: AbortSignal;
}

/** `path?query` with repeated keys for arrays and undefined values left out. */
export function withQuery(path: string, query: RequestOptions["query"]): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === undefined || v === "") continue;
    if (Array.isArray(v)) for (const item of v) q.append(k, item);
    else q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: options.text ? "*/*" : "application/json" };
  if (method !== "GET") {
    const csrf = sessionStorage.getItem(CSRF_KEY);
    if (csrf) headers["x-csrf-token"] = csrf;
  }
  if (options.body !== undefined) headers["content-type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(withQuery(path, options.query), {
      method,
      headers,
      credentials: "same-origin",
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (error) {
    if ((error as Error).name === "AbortError") throw error;
    throw new ApiError(0, "network", (error as Error).message);
  }
  if (res.ok) {
    if (res.status === 204) return undefined as T;
    return (options.text ? await res.text() : await res.json()) as T;
  }
  let code = "http";
  let message = `${res.status} ${res.statusText}`;
  let issues: Issue[] = [];
  try {
    const body = (await res.json()) as { error?: { code: string; message: string; issues?: Issue[] } };
    if (body.error) ({ code, message, issues = [] } = body.error);
  } catch {
    // not an API error body
  }
  if (res.status === 401 && path !== "/api/v1/login") onUnauthenticated();
  throw new ApiError(res.status, code, message, issues);
}

export const api = {
  get: <T>(path: string, options?: RequestOptions) => request<T>("GET", path, options),
  post: <T>(path: string, body?: unknown, options?: RequestOptions) =>
    request<T>("POST", path, { ...options, body: body ?? {} }),
  put: <T>(path: string, body: unknown) => request<T>("PUT", path, { body }),
  patch: <T>(path: string, body: unknown) => request<T>("PATCH", path, { body }),
  del: (path: string) => request<void>("DELETE", path),
};

/** True for a route that this controller does not have (yet): pages show an empty state instead. */
export function isMissingRoute(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404 && /no such route/.test(error.message);
}

/** Saves text as a file the browser downloads. */
export function download(name: string, text: string, type = "text/plain"): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
