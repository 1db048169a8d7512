/**
 * API issues next to the form fields they concern: an issue's path
 * (`spec.rules[0].ports[1]`) is mapped to a form field by the page; issues no
 * field takes are returned for an alert above the form.
 */
import type { FormInstance } from "antd";
import { ApiError } from "../api/client";
import type { Issue } from "../api/types";
import { issueMessage } from "../i18n/api-errors";

export type FieldPath = (string | number)[];

/** `spec.rules[0].ports[1]` → `["spec", "rules", 0, "ports", 1]`. */
export function splitPath(path: string): FieldPath {
  const out: FieldPath = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[1] !== undefined) out.push(m[1]);
  }
  return out;
}

/**
 * Sets each issue on its field; returns the issues left over. `fieldOf` maps a
 * split API path to a form name path, or undefined when no field shows it.
 */
export function showIssues(
  form: FormInstance,
  error: unknown,
  fieldOf: (path: FieldPath, issue: Issue) => FieldPath | undefined,
): Issue[] {
  if (!(error instanceof ApiError)) return [];
  const byField = new Map<string, { name: FieldPath; errors: string[] }>();
  const rest: Issue[] = [];
  for (const issue of error.issues) {
    const name = fieldOf(splitPath(issue.path), issue);
    if (!name) {
      rest.push(issue);
      continue;
    }
    const key = JSON.stringify(name);
    const entry = byField.get(key) ?? { name, errors: [] };
    entry.errors.push(issueMessage(issue));
    byField.set(key, entry);
  }
  form.setFields([...byField.values()].map((f) => ({ name: f.name, errors: f.errors })));
  return rest;
}

/** Clears the errors of every field (before a new check). */
export function clearIssues(form: FormInstance): void {
  form.setFields(
    form
      .getFieldsError()
      .filter((f) => f.errors.length > 0)
      .map((f) => ({ name: f.name, errors: [] })),
  );
}

/**
 * The mapping for resource forms: `spec.X…`/`metadata.X…` → the form's field `X` (or the field
 * `aliases` names for `X`: `listenPortRange` → `portFrom`) when the form shows one; otherwise
 * undefined, so the alert above the form shows the issue instead of a field no one sees.
 */
export function resourceField(form: FormInstance, aliases: Readonly<Record<string, string>> = {}) {
  return (path: FieldPath): FieldPath | undefined => {
    const [top, field] = path;
    if ((top !== "spec" && top !== "metadata") || typeof field !== "string") return undefined;
    const name = aliases[field] ?? field;
    const shown = form.getFieldsError().some((f) => f.name.length === 1 && f.name[0] === name);
    return shown ? [name] : undefined;
  };
}
