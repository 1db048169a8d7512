/**
 * Names and labels. Every name that can reach a WireGuard config, an interface
 * name, an nftables rule or a log line is a DNS label, which by construction
 * holds no control character, space, `[`, `=` or newline (config injection).
 */
import { z } from "zod";
import { MAX_LABELS } from "./limits.js";

/** RFC 1123 label: lowercase letters, digits and `-`, 1–63 chars, alphanumeric at both ends. */
export const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export const dnsLabel = z.string().max(63, { error: "must be at most 63 characters" }).regex(DNS_LABEL, {
  error: "must be a DNS label: lowercase letters, digits and '-', starting and ending alphanumeric",
});

/** Kubernetes-style label key: optional DNS-subdomain prefix and `/`, then a name of ≤ 63 chars. */
const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

export const labelKey = z.string().regex(LABEL_KEY, { error: "invalid label key" });
export const labelValue = z
  .string()
  .regex(LABEL_VALUE, { error: "invalid label value (≤ 63 chars of [A-Za-z0-9_.-])" });
/** At most `MAX_LABELS` of them. */
export const labels = z
  .record(labelKey, labelValue)
  .refine((l) => Object.keys(l).length <= MAX_LABELS, { error: `at most ${MAX_LABELS} labels are allowed` });

/** Node-name pattern for enrollment policies: a DNS label in which `*` stands for any run of label characters. */
export const namePattern = z
  .string()
  .max(63)
  .regex(/^[a-z0-9*]([a-z0-9*-]{0,61}[a-z0-9*])?$/, {
    error: "must be a DNS label, optionally with '*' wildcards",
  });

/** Free text (descriptions, reasons): any printable text, never a control character or newline. */
export const safeText = z
  .string()
  .max(1024)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting them is the point
  .regex(/^[^\u0000-\u001f\u007f]*$/, { error: "must not contain control characters or newlines" });

/** True when `name` matches an enrollment-policy pattern (`*` = any run of label characters). */
export function matchesNamePattern(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.split("*").map(escapeRegExp).join("[a-z0-9-]*")}$`);
  return re.test(name);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
