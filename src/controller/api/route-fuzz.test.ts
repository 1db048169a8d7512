/**
 * The route-table fuzz test (issue 13): every operation of the controller's own OpenAPI document
 * gets requests with generated path parameters, queries, bodies and content types (fast-check),
 * on a controller holding the corp example. No answer may be a 5xx, and every answer must be as
 * the document says: a success with the documented status and a body valid against the
 * documented schema (or one of the documented file types); an error in the API's error format,
 * its status the one the error table gives its code.
 */
import fc from "fast-check";
import type { LightMyRequestResponse } from "fastify";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { openDatabase } from "../db/open.js";
import { controllers, corpController } from "../testing/api-harness.js";
import { scratchDir } from "../testing/scratch-dir.js";
import { API_ERRORS } from "./errors.js";

const dirs = await scratchDir("hubwire-fuzz-");
const make = controllers(async () => {
  const dataDir = dirs.next();
  return () => openDatabase({ dataDir });
});

interface Operation {
  readonly method: string;
  readonly path: string;
  readonly parameters: Array<{ name: string; in: "path" | "query" }>;
  readonly bodyProperties: string[];
  readonly success: string;
  /** Content type → a zod schema built from the document's JSON schema. */
  readonly content: Map<string, z.ZodType | undefined>;
}

/** The parts of the OpenAPI document the fuzzer reads. */
interface DocumentShape {
  readonly paths: Record<
    string,
    Record<
      string,
      {
        readonly parameters: Operation["parameters"];
        readonly requestBody?: { content?: Record<string, { schema?: { properties?: object } }> };
        readonly responses: Record<string, { content?: Record<string, { schema: object }> }>;
      }
    >
  >;
}

function operationsOf(document: DocumentShape): Operation[] {
  const out: Operation[] = [];
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const success = Object.keys(op.responses).find((code) => /^2/.test(code))!;
      const content = new Map<string, z.ZodType | undefined>();
      for (const [type, media] of Object.entries(op.responses[success]!.content ?? {})) {
        content.set(
          type,
          type === "application/json"
            ? z.fromJSONSchema(media.schema as Parameters<typeof z.fromJSONSchema>[0])
            : undefined,
        );
      }
      const body = op.requestBody?.content?.["application/json"]?.schema;
      out.push({
        method: method.toUpperCase(),
        path,
        parameters: op.parameters,
        bodyProperties: Object.keys(body?.properties ?? {}),
        success,
        content,
      });
    }
  }
  return out;
}

const errorBody = z.strictObject({
  error: z.strictObject({
    code: z.enum(Object.keys(API_ERRORS) as [keyof typeof API_ERRORS]),
    message: z.string(),
    issues: z.array(z.record(z.string(), z.unknown())).optional(),
  }),
});

/** Names that exist in the corp example, next to arbitrary text. */
const text = fc.oneof(
  fc.constantFrom("hub-fra", "branch-sha", "laptop-alice", "corp", "admin", "ci-admin", "branches", "0", ""),
  fc.string({ maxLength: 40 }),
  fc.stringMatching(/^[a-z0-9-]{1,120}$/),
  fc.stringMatching(/^[0-9]{1,12}[dhms]$/),
  fc.integer({ min: 60, max: 2000 }).map((n) => "a".repeat(n)),
  fc.string({ unit: "binary", maxLength: 20 }),
);
const value = fc.oneof(text, fc.integer(), fc.boolean(), fc.constant(null), fc.jsonValue({ maxDepth: 3 }));

/** Where an answer differs from the document, or undefined. */
function mismatch(op: Operation, r: LightMyRequestResponse): string | undefined {
  if (r.statusCode >= 500) return `a ${r.statusCode}: ${r.body.slice(0, 300)}`;
  const type = (r.headers["content-type"] ?? "").toString().split(";")[0]!.trim();
  if (r.statusCode >= 200 && r.statusCode < 300) {
    if (String(r.statusCode) !== op.success) return `status ${r.statusCode}, documented ${op.success}`;
    if (r.statusCode === 204) return r.body === "" ? undefined : "a 204 with a body";
    if (!op.content.has(type)) return `content type ${type}, documented ${[...op.content.keys()].join(", ")}`;
    const schema = op.content.get(type);
    if (!schema) return undefined;
    const checked = schema.safeParse(r.json());
    return checked.success ? undefined : `body not as documented: ${checked.error.message.slice(0, 400)}`;
  }
  if (type !== "application/json") return `error with content type ${type}`;
  const parsed = errorBody.safeParse(r.json());
  if (!parsed.success) return `error body not in the API's format: ${r.body.slice(0, 300)}`;
  const status = API_ERRORS[parsed.data.error.code].status;
  return status === r.statusCode ? undefined : `code ${parsed.data.error.code} with status ${r.statusCode}`;
}

describe("route-table fuzz", () => {
  it("answers generated requests to every documented operation as documented, never with a 5xx", async () => {
    const c = await corpController(make);
    const document = (
      await c.call(c.tokens.viewer.credential, "GET", "/api/v1/openapi.json")
    ).json() as DocumentShape;
    const operations = operationsOf(document);
    expect(operations.length).toBeGreaterThan(40);
    for (const op of operations) {
      const request = fc.record({
        params: fc.dictionary(
          fc.constantFrom(...op.parameters.filter((p) => p.in === "path").map((p) => p.name), "x"),
          text,
        ),
        query: fc.dictionary(
          fc.constantFrom(...op.parameters.filter((p) => p.in === "query").map((p) => p.name), "extra"),
          text,
          { maxKeys: 3 },
        ),
        body: fc.oneof(
          fc.constant(undefined),
          fc.dictionary(fc.constantFrom(...op.bodyProperties, "extra"), value, { maxKeys: 4 }),
          fc.jsonValue({ maxDepth: 3 }),
          fc.string({ maxLength: 60 }),
        ),
        contentType: fc.constantFrom("application/json", "application/yaml", "text/plain", undefined),
      });
      await fc.assert(
        fc.asyncProperty(request, async ({ params, query, body, contentType }) => {
          const path = op.path.replace(
            /\{([A-Za-z]+)\}/g,
            (_, name: string) => encodeURIComponent(params[name] ?? "hub-fra") || "hub-fra",
          );
          const search = new URLSearchParams(query as Record<string, string>).toString();
          const headers: Record<string, string> = { authorization: `Bearer ${c.tokens.admin.token}` };
          let payload: string | undefined;
          if (body !== undefined && op.method !== "GET") {
            payload =
              typeof body === "string" && contentType !== "application/json" ? body : JSON.stringify(body);
            if (contentType) headers["content-type"] = contentType;
          }
          const r = await c.app.inject({
            method: op.method as "GET",
            url: `${path}${search ? `?${search}` : ""}`,
            headers,
            ...(payload !== undefined ? { payload } : {}),
          });
          const wrong = mismatch(op, r);
          if (wrong)
            throw new Error(
              `${op.method} ${path}?${search} (${contentType} ${payload?.slice(0, 200)}): ${wrong}`,
            );
        }),
        { numRuns: 25 },
      );
    }
  }, 300_000);
});
