/**
 * `POST /api/v1/apply`: a whole set of resources (YAML documents or JSON),
 * all or nothing; `?dryRun=true` returns the plan without changing anything.
 * `GET /api/v1/export`: every resource as YAML that re-applies to the same state.
 */
import { stringify } from "yaml";
import { z } from "zod";
import {
  DocumentCollector,
  type Issue,
  MAX_RESOURCES_PER_REQUEST,
  parseResource,
  type Resource,
  tooManyResources,
  yamlDocuments,
} from "../../../model/index.js";
import { allows, type Principal } from "../../auth/principal.js";
import { DomainError } from "../../errors.js";
import { bringsState } from "../../state/enrollment-restore.js";
import { paced } from "../../state/pace.js";
import { allStoredResources } from "../../state/stored-resources.js";
import { applyChecked, type ReadResources } from "../apply-checked.js";
import { type AnyRoute, route } from "../route.js";
import type { Services } from "../services.js";
import { DECISION_PERMISSION } from "./enrollments.js";

const planSchema = z.object({
  revision: z.number(),
  dryRun: z.boolean(),
  changes: z.array(
    z.object({
      op: z.enum(["add", "remove", "change"]),
      kind: z.string(),
      name: z.string(),
      fields: z.array(z.object({ path: z.string(), from: z.string(), to: z.string() })),
    }),
  ),
  nodes: z.array(z.string()),
});

/**
 * Body: YAML/JSON text (application/yaml) or `{ items: [...] }` (application/json). At most
 * MAX_RESOURCES_PER_REQUEST resources, at least one; read in slices that leave the event loop free.
 * Issues name their place: `body#DOC line N` for YAML, `items[I]` for JSON.
 */
export async function resourcesOf(body: unknown, source = "body"): Promise<ReadResources> {
  let read: ReadResources;
  if (typeof body === "string") {
    const collector = new DocumentCollector(source, { lines: true });
    await paced(yamlDocuments(body), (doc) => collector.add(doc));
    if (collector.tooMany) throw new DomainError("payload-too-large", tooManyResources());
    read = collector.result();
  } else {
    const items = (body as { items?: unknown })?.items;
    if (!Array.isArray(items))
      throw new DomainError("bad-request", "send YAML documents, or JSON { items: [...] }");
    if (items.length > MAX_RESOURCES_PER_REQUEST)
      throw new DomainError("payload-too-large", tooManyResources(items.length));
    const issues: Issue[] = [];
    const resources: Resource[] = [];
    const places = new Map<string, string>();
    await paced(items.entries(), ([i, doc]) => {
      const parsed = parseResource(doc, `items[${i}]`);
      if (parsed.ok) {
        resources.push(parsed.resource);
        places.set(`${parsed.resource.kind}/${parsed.resource.metadata.name}`, `items[${i}]`);
      } else issues.push(...parsed.issues);
      return true;
    });
    read = { resources, issues, locate: (kind, name) => places.get(`${kind}/${name}`) };
  }
  if (read.issues.length === 0 && read.resources.length === 0) {
    throw new DomainError("bad-request", "the body holds no resources", [
      { code: "invalid-field", kind: "Request", name: "body", path: "", message: "holds no resources" },
    ]);
  }
  return read;
}

/**
 * A resource as exported: intent, without controller-owned status — except an Enrollment's, whose
 * state (approved, revoked, rejected…) apply/import restores into a controller that lacks it.
 */
export function exportable(r: Resource): Omit<Resource, "status"> | Resource {
  if (r.kind === "Enrollment") return r;
  const { status: _status, ...intent } = r;
  return intent;
}

/**
 * Refuses (403) resources that set an enrollment state unless `principal` may decide enrollments:
 * restoring an exported state is an approval, rejection or revocation.
 */
export function checkStateRestore(principal: Principal, resources: readonly Resource[]): void {
  const restoring = resources.find(bringsState);
  if (restoring && !allows(principal.role, DECISION_PERMISSION)) {
    throw new DomainError(
      "forbidden",
      `role ${principal.role} may not set the state of Enrollment/${restoring.metadata.name}`,
    );
  }
}

export function applyRoutes(s: Services): AnyRoute[] {
  return [
    route({
      method: "POST",
      path: "/api/v1/apply",
      permission: "write",
      summary: "Apply a set of resources, all or nothing (dryRun: the plan only)",
      tag: "Apply",
      query: z.strictObject({ dryRun: z.enum(["true", "false"]).optional() }),
      body: z.union([z.string(), z.object({ items: z.array(z.unknown()) })]),
      yamlBody: true,
      response: planSchema,
      handler: async ({ query, body, principal, request }) => {
        const read = await resourcesOf(body);
        const seen = new Set<string>();
        for (const r of read.resources) {
          const key = `${r.kind}/${r.metadata.name}`;
          if (seen.has(key)) throw new DomainError("bad-request", `${key} appears twice in the body`);
          seen.add(key);
        }
        checkStateRestore(principal, read.resources);
        return applyChecked(s, s.actor(principal, request), read, query.dryRun === "true");
      },
    }),
    route({
      method: "GET",
      path: "/api/v1/export",
      permission: "read",
      summary: "Every resource as YAML documents that re-apply to the same intent",
      produces: ["application/yaml"],
      tag: "Apply",
      handler: async ({ reply }) => {
        const resources = await allStoredResources(s.db);
        reply.type("application/yaml; charset=utf-8");
        return resources.map((r) => stringify(exportable(r), { lineWidth: 0 })).join("---\n");
      },
    }),
  ];
}
