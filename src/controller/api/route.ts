/**
 * One table of routes. Each entry says its method, path, the permission it
 * needs and its zod schemas; the same entry registers the Fastify handler and
 * becomes the route's OpenAPI operation, so the document cannot drift from
 * what the server does. A route without a permission cannot be declared.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import type { Permission, Principal } from "../auth/principal.js";

export type { Permission } from "../auth/principal.js";

export interface RouteContext<P, Q, B> {
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  /** Absent only on public routes. */
  readonly principal: Principal;
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
}

/**
 * Which listener serves a route: `api` is every `--listen` address (UI, REST API); `enroll` is the
 * separate enrollment listener (`--enroll-listen`, SPEC §4), which serves nothing else; `metrics` is
 * the opt-in scrape listener (`--metrics-listen`), which serves `/metrics` and `/healthz` only.
 */
export type Surface = "api" | "enroll" | "metrics";

export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Fastify syntax: `/api/v1/nodes/:name`. */
  readonly path: string;
  readonly permission: Permission;
  /** Listeners that serve the route; absent: `["api"]` only. */
  readonly surfaces?: readonly Surface[];
  readonly summary: string;
  readonly tag: string;
  readonly params?: P;
  readonly query?: Q;
  /** Parsed from JSON, or YAML when `yamlBody` is set. */
  readonly body?: B;
  /**
   * What the OpenAPI document shows for the body when `body` is looser than
   * the real contract — resource bodies are validated by the handler, so that
   * their errors name Kind/name and the field as everywhere else.
   */
  readonly documentedBody?: z.ZodType;
  /** Accept application/yaml bodies too (apply). */
  readonly yamlBody?: boolean;
  /**
   * The largest body accepted, in bytes; absent: `PUBLIC_BODY_LIMIT` on public routes (anyone
   * can send them), the listener's limit otherwise.
   */
  readonly bodyLimit?: number;
  /**
   * Runs when the request arrives, after credentials are checked and before the body is read or
   * parsed: rate limits that must hold however large or deeply nested the body is.
   */
  readonly beforeBody?: (request: FastifyRequest) => Promise<void>;
  /** Content types of a raw (file) request body the handler reads itself, for the document. */
  readonly consumes?: readonly string[];
  /**
   * Content types of a successful answer when it is not JSON (a file: YAML, CSV, JSON lines, a
   * SQLite database, wg-quick text); the document shows them instead of `response`.
   */
  readonly produces?: readonly string[];
  /** Successful status and response schema (documentation; responses are built by handlers). */
  readonly status?: number;
  readonly response?: z.ZodType;
  readonly handler: (ctx: RouteContext<z.infer<P>, z.infer<Q>, z.infer<B>>) => Promise<unknown>;
}

/** Body limit of public (unauthenticated) routes: their bodies are small JSON documents. */
export const PUBLIC_BODY_LIMIT = 16 * 1024;

// biome-ignore lint/suspicious/noExplicitAny: the table holds routes of every schema type
export type AnyRoute = RouteSpec<any, any, any>;

export function route<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(
  spec: RouteSpec<P, Q, B>,
): AnyRoute {
  return spec;
}

/**
 * A route of the agent API: the calling node's own credential, served on the API and the
 * enrollment listeners, listed under `Agent`. The node is `principal.node`.
 */
export function agentRoute<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(
  spec: Omit<RouteSpec<P, Q, B>, "permission" | "surfaces" | "tag">,
): AnyRoute {
  return route({ ...spec, permission: "node", surfaces: ["api", "enroll"], tag: "Agent" });
}

/** A `GET` that answers every item of one kind at once (no pages) as `{ items }`. */
export function listRoute(spec: {
  readonly path: string;
  readonly permission: Permission;
  readonly summary: string;
  readonly tag: string;
  /** One item's schema. */
  readonly item: z.ZodType;
  /** The items, already in the item's shape. */
  readonly items: () => Promise<readonly unknown[]>;
}): AnyRoute {
  const { item, items, ...rest } = spec;
  return route({
    ...rest,
    method: "GET",
    response: z.object({ items: z.array(item) }),
    handler: async () => ({ items: await items() }),
  });
}
