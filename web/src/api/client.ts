/**
 * The one way the UI talks to the controller: same-origin fetch with the
 * session cookie, the CSRF token on every change, and errors turned into
 * {@link ApiError} with the API's stable code and per-field issues.
 */
import type { paths } from "./schema";
import type { GetPath, GetResult, Issue } from "./types";

const CSRF_KEY = "hubwire.csrf";

/** An error answer of the API (or a network failure, code `network`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: readonly Issue[] = [],
    /** The message is already in the user's language (the UI wrote it): shown as it is. */
    readonly localized = false,
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
  /** Answer as text even when it is JSON; other answers than JSON are text anyway. */
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
  const headers: Record<string, string> = { accept: options.text ? "*/*" : "application/json, */*;q=0.5" };
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
    // Files (wg-quick, YAML, CSV, JSON lines) come as text: the answer's type says which.
    const json = /^application\/json\b/.test(res.headers.get("content-type") ?? "");
    return (json && !options.text ? await res.json() : await res.text()) as T;
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

type GetOperation<P extends GetPath> = paths[P]["get"];
/** The path parameters of `GET P` (`{ name: string }` for `/api/v1/nodes/{name}`); undefined when it has none. */
type PathParams<P extends GetPath> =
  GetOperation<P> extends { parameters: { path: infer X } } ? X : undefined;
type GetQuery<P extends GetPath> = GetOperation<P> extends { parameters: { query?: infer Q } } ? Q : never;

/** Options of a typed GET: the path's parameters (required when it has any) and its query. */
export type GetOptions<P extends GetPath> = {
  readonly query?: GetQuery<P>;
  readonly signal?: AbortSignal;
} & (PathParams<P> extends undefined ? { readonly params?: undefined } : { readonly params: PathParams<P> });

/** `/api/v1/nodes/{name}` with `{ name: "a b" }` → `/api/v1/nodes/a%20b`. */
export function fillPath(template: string, params: Record<string, string> | undefined): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => {
    const value = params?.[key];
    if (value === undefined) throw new Error(`${template}: no value for {${key}}`);
    return encodeURIComponent(value);
  });
}

/**
 * `GET` by the OpenAPI path (`/api/v1/nodes/{name}`, parameters given apart): a path the
 * controller does not serve, a wrong parameter or a wrong use of the answer fails the typecheck.
 */
function get<P extends GetPath>(
  path: P,
  ...[options]: PathParams<P> extends undefined ? [GetOptions<P>?] : [GetOptions<P>]
): Promise<GetResult<P>> {
  const o = (options ?? {}) as {
    params?: Record<string, string>;
    query?: RequestOptions["query"];
    signal?: AbortSignal;
  };
  return request<GetResult<P>>("GET", fillPath(path, o.params), { query: o.query, signal: o.signal });
}

export const api = {
  get,
  post: <T>(path: string, body?: unknown, options?: RequestOptions) =>
    request<T>("POST", path, { ...options, body: body ?? {} }),
  put: <T>(path: string, body: unknown) => request<T>("PUT", path, { body }),
  patch: <T>(path: string, body: unknown) => request<T>("PATCH", path, { body }),
  del: (path: string) => request<void>("DELETE", path),
};

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
