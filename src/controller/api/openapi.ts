/**
 * The OpenAPI 3.1 document, generated from the same route table and zod
 * schemas that the server runs, so it cannot describe an API that isn't there.
 */
import { z } from "zod";
import { API_ERRORS } from "./errors.js";
import type { AnyRoute } from "./route.js";

function jsonSchema(schema: z.ZodType): unknown {
  return z.toJSONSchema(schema, { io: "input", unrepresentable: "any", target: "draft-2020-12" });
}

/** A file answer: text, or bytes for a SQLite database. */
function fileSchema(type: string): unknown {
  return type === "application/vnd.sqlite3" || type === "application/octet-stream"
    ? { type: "string", contentMediaType: type, contentEncoding: "binary" }
    : { type: "string", contentMediaType: type };
}

/** `/api/v1/nodes/:name` → `/api/v1/nodes/{name}` */
const openApiPath = (path: string) => path.replace(/:([A-Za-z]+)/g, "{$1}");

function parameters(route: AnyRoute): unknown[] {
  const out: unknown[] = [];
  for (const [where, schema] of [
    ["path", route.params],
    ["query", route.query],
  ] as const) {
    if (!schema) continue;
    const js = jsonSchema(schema) as { properties?: Record<string, unknown>; required?: string[] };
    for (const [name, prop] of Object.entries(js.properties ?? {})) {
      out.push({
        name,
        in: where,
        required: where === "path" || (js.required ?? []).includes(name),
        schema: prop,
      });
    }
  }
  return out;
}

export function openApiDocument(routes: readonly AnyRoute[], version: string): unknown {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = openApiPath(r.path);
    paths[path] ??= {};
    const ok = String(r.status ?? 200);
    const responses: Record<string, unknown> = {
      [ok]:
        r.status === 204
          ? { description: "done" }
          : r.produces
            ? {
                description: "success: a file",
                content: Object.fromEntries(r.produces.map((type) => [type, { schema: fileSchema(type) }])),
              }
            : {
                description: "success",
                content: { "application/json": { schema: r.response ? jsonSchema(r.response) : {} } },
              },
    };
    for (const code of r.permission === "public" ? [] : (["401", "403"] as const)) {
      responses[code] = { $ref: `#/components/responses/Error${code}` };
    }
    responses.default = { $ref: "#/components/responses/Error" };
    paths[path][r.method.toLowerCase()] = {
      summary: r.summary,
      tags: [r.tag],
      operationId: `${r.method.toLowerCase()}${r.path.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ""))}`,
      parameters: parameters(r),
      ...(r.consumes
        ? {
            requestBody: {
              required: true,
              content: Object.fromEntries(r.consumes.map((type) => [type, { schema: fileSchema(type) }])),
            },
          }
        : {}),
      ...(r.body
        ? {
            requestBody: {
              required: true,
              content: {
                "application/json": { schema: jsonSchema(r.documentedBody ?? r.body) },
                ...(r.yamlBody ? { "application/yaml": { schema: { type: "string" } } } : {}),
              },
            },
          }
        : {}),
      ...(r.permission === "public" ? { security: [] } : {}),
      "x-hubwire-permission": r.permission,
      responses,
    };
  }
  const errorSchema = {
    type: "object",
    required: ["error"],
    properties: {
      error: {
        type: "object",
        required: ["code", "message"],
        properties: {
          code: { type: "string", enum: Object.keys(API_ERRORS) },
          message: { type: "string" },
          issues: { type: "array", items: { type: "object" } },
        },
      },
    },
  };
  const errorResponse = (description: string) => ({
    description,
    content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
  });
  return {
    openapi: "3.1.0",
    info: {
      title: "hubwire controller API",
      version,
      description: `Error codes and their HTTP status:\n\n${Object.entries(API_ERRORS)
        .map(([code, e]) => `- \`${code}\` (${e.status}): ${e.description}`)
        .join("\n")}`,
    },
    servers: [{ url: "/" }],
    security: [{ bearer: [] }, { session: [] }],
    paths,
    components: {
      schemas: { Error: errorSchema },
      responses: {
        Error: errorResponse("an error; see the code table"),
        Error401: errorResponse("missing or invalid credentials"),
        Error403: errorResponse("the role may not do this, or the CSRF token is missing"),
      },
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "An API token: hwt_<id>_<secret>" },
        session: { type: "apiKey", in: "cookie", name: "__Host-hubwire_session" },
      },
    },
  };
}
