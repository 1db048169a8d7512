/**
 * The access-policy form's values and their mapping to and from the
 * AccessPolicy resource, and from the API's issue paths back to form fields.
 */
import type { AccessPolicy } from "../api/types";
import type { FieldPath } from "./field-paths";
import { API_VERSION, compact, labelsFromTags, tagsFromLabels } from "./resource";

interface SelectorForm {
  nodes?: string[];
  labels?: string[];
  cidrs?: string[];
}
interface RuleForm {
  action: "allow" | "deny";
  from?: SelectorForm;
  to?: SelectorForm;
  ports?: string[];
  description?: string;
}
export interface PolicyForm {
  name: string;
  network: string;
  priority?: number;
  rules: RuleForm[];
}

const selector = (s: SelectorForm | undefined) =>
  compact({ nodes: s?.nodes, labels: labelsFromTags(s?.labels), cidrs: s?.cidrs });

export function toPolicy(v: PolicyForm) {
  return {
    apiVersion: API_VERSION,
    kind: "AccessPolicy",
    metadata: { name: v.name ?? "" },
    spec: compact({
      network: v.network,
      priority: v.priority,
      rules: (v.rules ?? []).map((r) =>
        compact({
          from: selector(r.from),
          to: selector(r.to),
          ports: r.ports,
          action: r.action,
          description: r.description,
        }),
      ),
    }),
  };
}

export function fromPolicy(p: AccessPolicy): PolicyForm {
  const sel = (s: { nodes?: string[]; labels?: Record<string, string>; cidrs?: string[] }) => ({
    nodes: s.nodes ?? [],
    labels: tagsFromLabels(s.labels),
    cidrs: s.cidrs ?? [],
  });
  return {
    name: p.metadata.name,
    network: p.spec.network,
    priority: p.spec.priority,
    rules: p.spec.rules.map((r) => ({
      action: r.action,
      from: sel(r.from),
      to: sel(r.to),
      ports: r.ports ?? [],
      description: r.description,
    })),
  };
}

/** `spec.rules[1].ports[0]` → the form field that shows it. */
export function fieldOf(p: FieldPath): FieldPath | undefined {
  if (p[0] === "metadata" && p[1] === "name") return ["name"];
  if (p[0] !== "spec") return undefined;
  if (p[1] === "network" || p[1] === "priority") return [p[1]];
  if (p[1] === "rules" && typeof p[2] === "number") {
    const [, , i, field, sub] = p;
    if (field === "from" || field === "to")
      return ["rules", i, field, sub === "labels" || sub === "nodes" || sub === "cidrs" ? sub : "nodes"];
    if (field === "ports" || field === "action" || field === "description") return ["rules", i, field];
    return undefined;
  }
  return undefined;
}
