/**
 * Addresses, keys, CIDRs and ports in the monospace font they are read in; a list is joined with
 * commas (absent entries left out), and nothing shows `empty` (a dash unless told) so an empty
 * cell reads as "none".
 */
export function Mono({
  value,
  empty = "—",
}: {
  value: string | readonly (string | undefined)[] | null | undefined;
  empty?: string;
}) {
  const text = typeof value === "string" ? value : (value ?? []).filter(Boolean).join(", ");
  return <span className="mono">{text || empty}</span>;
}
