/**
 * API issues next to the form fields they concern: an issue's path
 * (`spec.rules[0].ports[1]`) is mapped to a form field by the page; issues no
 * field takes are returned for an alert above the form.
 */
import type { FormInstance } from "antd";
import { ApiError } from "../api/client";
import type { Issue } from "../api/types";
import { issueMessage } from "../i18n/api-errors";
import { type FieldPath, splitPath } from "./field-paths";

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
