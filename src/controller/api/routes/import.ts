/**
 * Import and export for people who keep inventories in spreadsheets:
 * `POST /api/v1/import` takes YAML documents or a CSV node list and applies
 * them all or nothing (dry run: the plan only), reporting every problem with
 * the line it is on; `GET /api/v1/export/nodes.csv` writes the node list in
 * the same CSV form, which re-imports to the same nodes.
 */
import { z } from "zod";
import {
  DocumentCollector,
  formatNodeCsv,
  type Issue,
  type Node,
  parseNodeCsv,
  type Resource,
  tooManyResources,
  yamlDocuments,
} from "../../../model/index.js";
import { DomainError } from "../../errors.js";
import { paced } from "../../state/pace.js";
import { allStoredResources } from "../../state/stored-resources.js";
import { applyChecked } from "../apply-checked.js";
import { type AnyRoute, route } from "../route.js";
import type { Services } from "../services.js";
import { checkStateRestore, exportable } from "./apply.js";

const MAX_TEXT = 8 * 1024 * 1024;

interface Read {
  readonly resources: Resource[];
  readonly issues: Issue[];
  /** `Kind/name` → the line the resource is on, for issues the whole-intent check finds later. */
  readonly lines: Map<string, number>;
}

const keyOf = (kind: string, name: string) => `${kind}/${name}`;

function readCsv(text: string): Read {
  const r = parseNodeCsv(text);
  const lines = new Map(r.nodes.map((n, i) => [keyOf("Node", n.metadata.name), r.lines[i]!]));
  return { resources: r.nodes, issues: r.issues, lines };
}

/** YAML documents; each issue's source becomes `line N`, the line its document starts on. */
async function readYaml(text: string): Promise<Read> {
  const collector = new DocumentCollector("doc");
  const docLines: number[] = [];
  const lines = new Map<string, number>();
  await paced(yamlDocuments(text), (doc) => {
    docLines.push(doc.line);
    const js = doc.value as { kind?: unknown; metadata?: { name?: unknown } } | undefined;
    if (typeof js?.kind === "string" && typeof js.metadata?.name === "string") {
      lines.set(keyOf(js.kind, js.metadata.name), doc.line);
    }
    return collector.add(doc);
  });
  if (collector.tooMany) throw new DomainError("payload-too-large", tooManyResources());
  const parsed = collector.result();
  const issues = parsed.issues.map((issue) => {
    const m = /^doc(?:#(\d+))?$/.exec(issue.source ?? "");
    if (!m) return issue;
    const yamlLine = /^YAML line (\d+)/.exec(issue.message)?.[1];
    return { ...issue, source: `line ${yamlLine ?? docLines[m[1] ? Number(m[1]) - 1 : 0] ?? 1}` };
  });
  return { resources: parsed.resources, issues, lines };
}

export function importRoutes(s: Services): AnyRoute[] {
  return [
    route({
      method: "POST",
      path: "/api/v1/import",
      permission: "write",
      summary:
        "Import YAML documents or a CSV node list, all or nothing; issues name their line (dryRun: the plan only)",
      tag: "Apply",
      query: z.strictObject({ dryRun: z.enum(["true", "false"]).optional() }),
      body: z.strictObject({
        format: z.enum(["yaml", "csv"]),
        text: z.string().max(MAX_TEXT),
      }),
      handler: async ({ query, body, principal, request }) => {
        const { resources, issues, lines } =
          body.format === "csv" ? readCsv(body.text) : await readYaml(body.text);
        if (resources.length === 0 && issues.length === 0)
          throw new DomainError("bad-request", `the ${body.format} holds no resources`);
        const seen = new Set<string>();
        for (const r of resources) {
          const key = `${r.kind}/${r.metadata.name}`;
          if (seen.has(key)) throw new DomainError("bad-request", `${key} appears twice`);
          seen.add(key);
        }
        checkStateRestore(principal, resources);
        const locate = (kind: string, name: string) => {
          const line = lines.get(keyOf(kind, name));
          return line === undefined ? undefined : `line ${line}`;
        };
        const outcome = await applyChecked(
          s,
          s.actor(principal, request),
          { resources, issues, locate },
          query.dryRun === "true",
        );
        return { ...outcome, resources: resources.length };
      },
    }),
    route({
      method: "GET",
      path: "/api/v1/export/nodes.csv",
      permission: "read",
      summary: "Every node as a CSV list (the columns `POST /api/v1/import` reads)",
      produces: ["text/csv"],
      tag: "Apply",
      handler: async ({ reply }) => {
        const nodes = (await allStoredResources(s.db))
          .filter((r): r is Node => r.kind === "Node")
          .map((n) => exportable(n) as Node);
        reply.type("text/csv; charset=utf-8");
        return formatNodeCsv(nodes);
      },
    }),
  ];
}
