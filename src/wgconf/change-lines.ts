/**
 * The one printable vocabulary for changes to a node, shared by the agent's apply log (live
 * machine → desired state, agent/apply/format.ts) and the CLI's plan (desired → desired,
 * diff.ts), so an operator reads the same line for the same change in both:
 * `+ subject`, `- subject`, `~ subject: field from → to`. Never holds a secret.
 */

/** One field that differs, already shown as text. */
export interface FieldChange<F extends string = string> {
  readonly field: F;
  readonly from: string;
  readonly to: string;
}

/** A value as a change line shows it: lists comma-separated, nothing as `(none)`. */
export function show(v: readonly string[] | string | number | null | undefined): string {
  if (v === undefined || v === null) return "(none)";
  return Array.isArray(v) ? v.join(", ") || "(none)" : String(v);
}

export const added = (subject: string): string => `+ ${subject}`;
export const removed = (subject: string): string => `- ${subject}`;
/** `~ subject` or, with what changed, `~ subject: what`. */
export const changed = (subject: string, what?: string): string =>
  what === undefined ? `~ ${subject}` : `~ ${subject}: ${what}`;
/** Something of an interface: `hw_corp: peer nyc`. */
export const of = (iface: string, thing: string): string => `${iface}: ${thing}`;
/** `field from → to`, several joined with `; `. */
export const fields = (changes: readonly FieldChange[]): string =>
  changes.map((c) => `${c.field} ${c.from} → ${c.to}`).join("; ");
