/**
 * Where an API issue goes in a form: its path (`spec.rules[0].ports[1]`) split into parts, and
 * the mapping of resource forms from a path to the field that shows it. Pure: no i18n, no DOM.
 */
import type { FormInstance } from "antd";

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
 * The mapping for resource forms: `spec.X…`/`metadata.X…` → the form's field `X` (or the field
 * `aliases` names for `X`: `listenPortRange` → `portFrom`) when the form shows one; otherwise
 * undefined, so the alert above the form shows the issue instead of a field no one sees.
 */
export function resourceField(
  form: Pick<FormInstance, "getFieldsError">,
  aliases: Readonly<Record<string, string>> = {},
) {
  return (path: FieldPath): FieldPath | undefined => {
    const [top, field] = path;
    if ((top !== "spec" && top !== "metadata") || typeof field !== "string") return undefined;
    const name = aliases[field] ?? field;
    const shown = form.getFieldsError().some((f) => f.name.length === 1 && f.name[0] === name);
    return shown ? [name] : undefined;
  };
}
