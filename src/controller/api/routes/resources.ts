/**
 * CRUD for every resource kind: list (filters, cursor pagination), get,
 * create, replace, merge-patch, delete. Every change goes through the intent
 * store, so it is validated as a whole and audited; list and get read the
 * database directly, so any replica answers with the latest data. A create or
 * replace answers with the resource as that write stored it (no read back).
 */
import { z } from "zod";
import {
  dnsLabel,
  labelKey,
  labelValue,
  parseResource,
  RESOURCE_KINDS,
  RESOURCE_SCHEMAS,
  type Resource,
  type ResourceKind,
} from "../../../model/index.js";
import { DomainError } from "../../errors.js";
import { storedResource, storedResourcePage } from "../../state/stored-resources.js";
import { KIND_PATHS } from "../kinds.js";
import { type AnyRoute, route } from "../route.js";
import type { Services } from "../services.js";

const nameParam = z.strictObject({ name: dnsLabel });
/** Resource bodies are checked by parseResource, which names Kind/name and the field in every issue. */
const anyObject = z.record(z.string(), z.unknown());

const listQuery = z.strictObject({
  network: dnsLabel.optional(),
  role: z.enum(["hub", "spoke", "external"]).optional(),
  state: z.enum(["Pending", "Approved", "Rejected", "Revoked", "Expired"]).optional(),
  /** `key=value`; repeat for several (all must match). */
  label: z.union([z.string(), z.array(z.string())]).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  /** The `continue` value of the previous page. */
  continue: dnsLabel.optional(),
});

function parseLabels(raw: string | string[] | undefined): Record<string, string> | undefined {
  if (raw === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const item of Array.isArray(raw) ? raw : [raw]) {
    const eq = item.indexOf("=");
    const key = item.slice(0, eq);
    const value = item.slice(eq + 1);
    if (eq <= 0 || !labelKey.safeParse(key).success || !labelValue.safeParse(value).success) {
      throw new DomainError("bad-request", `label filter ${JSON.stringify(item)} is not key=value`);
    }
    out[key] = value;
  }
  return out;
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const base =
    target !== null && typeof target === "object" && !Array.isArray(target) ? { ...(target as object) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete (base as Record<string, unknown>)[k];
    else (base as Record<string, unknown>)[k] = mergePatch((base as Record<string, unknown>)[k], v);
  }
  return base;
}

function parseBody(kind: ResourceKind, body: unknown, name?: string): Resource {
  const parsed = parseResource(body);
  if (!parsed.ok) throw new DomainError("validation-failed", "the resource is invalid", parsed.issues);
  if (parsed.resource.kind !== kind) {
    throw new DomainError("bad-request", `expected kind ${kind}, got ${parsed.resource.kind}`);
  }
  if (name !== undefined && parsed.resource.metadata.name !== name) {
    throw new DomainError(
      "bad-request",
      `metadata.name ${parsed.resource.metadata.name} does not match the URL (${name})`,
    );
  }
  return parsed.resource;
}

export function resourceRoutes(s: Services): AnyRoute[] {
  return RESOURCE_KINDS.flatMap((kind) => {
    const base = `/api/v1/${KIND_PATHS[kind]}`;
    const schema = RESOURCE_SCHEMAS[kind];
    const tag = kind;
    const read = async (name: string) => {
      const stored = await storedResource(s.db, kind, name);
      if (!stored) throw new DomainError("not-found", `${kind}/${name} does not exist`);
      return stored;
    };
    return [
      route({
        method: "GET",
        path: base,
        permission: "read",
        summary: `List ${kind} resources`,
        tag,
        query: listQuery,
        response: z.object({ items: z.array(schema), continue: z.string().optional() }),
        handler: async ({ query }) => {
          const page = await storedResourcePage(s.db, {
            kind,
            network: query.network,
            role: query.role,
            state: query.state,
            labels: parseLabels(query.label),
            limit: query.limit,
            after: query.continue,
          });
          return { items: page.items, ...(page.next ? { continue: page.next } : {}) };
        },
      }),
      route({
        method: "GET",
        path: `${base}/:name`,
        permission: "read",
        summary: `Get one ${kind}`,
        tag,
        params: nameParam,
        response: schema,
        handler: ({ params }) => read(params.name),
      }),
      route({
        method: "POST",
        path: base,
        permission: "write",
        summary: `Create a ${kind}`,
        tag,
        body: anyObject,
        documentedBody: schema,
        status: 201,
        response: schema,
        handler: async ({ body, principal, request, reply }) => {
          const resource = parseBody(kind, body);
          const { stored } = await s.intent.applyOne(
            s.actor(principal, request),
            { op: "put", resource },
            { expect: "create" },
          );
          reply.code(201);
          return stored ?? read(resource.metadata.name);
        },
      }),
      route({
        method: "PUT",
        path: `${base}/:name`,
        permission: "write",
        summary: `Replace a ${kind}`,
        tag,
        params: nameParam,
        body: anyObject,
        documentedBody: schema,
        response: schema,
        handler: async ({ params, body, principal, request }) => {
          const resource = parseBody(kind, body, params.name);
          const { stored } = await s.intent.applyOne(
            s.actor(principal, request),
            { op: "put", resource },
            { expect: "replace" },
          );
          return stored ?? read(params.name);
        },
      }),
      route({
        method: "PATCH",
        path: `${base}/:name`,
        permission: "write",
        summary: `Change fields of a ${kind} (JSON merge patch, RFC 7386)`,
        tag,
        params: nameParam,
        body: anyObject,
        response: schema,
        handler: async ({ params, body, principal, request }) => {
          const current = await read(params.name);
          const { status: _status, ...intent } = current;
          const resource = parseBody(kind, mergePatch(intent, body), params.name);
          await s.intent.apply(s.actor(principal, request), [{ op: "put", resource }], { expect: "replace" });
          return read(params.name);
        },
      }),
      route({
        method: "DELETE",
        path: `${base}/:name`,
        permission: "write",
        summary: `Delete a ${kind}`,
        tag,
        params: nameParam,
        status: 204,
        handler: async ({ params, principal, request, reply }) => {
          await s.intent.apply(s.actor(principal, request), [{ op: "delete", kind, name: params.name }], {
            expect: "delete",
          });
          reply.code(204);
          return undefined;
        },
      }),
    ];
  });
}
