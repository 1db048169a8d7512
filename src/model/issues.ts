/**
 * Validation issues. Every issue names the resource (`Kind/name`) and the
 * field path, and carries a stable code that the API and the CLI map to their
 * own statuses in one place each.
 */

/** Stable codes; the meaning of a code never changes once released. */
export const ISSUE_CODES = {
  "invalid-field": "a field has the wrong type, format or range",
  "unknown-field": "a field that the kind does not define",
  "unknown-kind": "a kind that hubwire/v1 does not define",
  "missing-field": "a required field is absent",
  "duplicate-name": "two resources of one kind share a name",
  "dangling-reference": "a reference to a resource that does not exist",
  "wrong-role": "a reference to a node whose role does not fit",
  "non-canonical": "a prefix with host bits set or in a non-canonical spelling",
  "outside-network": "an address or prefix outside the network's overlay",
  "overlay-claimed": "a site subnet that overlaps an overlay prefix",
  "underlay-claimed": "a site subnet that contains a node's public endpoint",
  "default-route": "a default route claimed as a site subnet",
  overlap: "prefixes that overlap where they must be disjoint",
  "duplicate-address": "a tunnel address used twice or reserved",
  "duplicate-public-key": "a public key used by two nodes",
  "duplicate-endpoint": "two nodes listening on the same public host and port",
  "port-range": "a listen port outside the network's range or a bad range",
  "hub-required": "a spoke or external node without a hub",
  "endpoint-required": "a hub without a public endpoint",
  "prefix-bounds": "prefix-length bounds that are inverted or outside the prefix",
  "pool-exhausted": "no free tunnel address left",
  "interface-name": "two interfaces of one node got the same name",
} as const;

export type IssueCode = keyof typeof ISSUE_CODES;

export interface Issue {
  readonly code: IssueCode;
  /** Resource kind, or `?` when the document did not say. */
  readonly kind: string;
  /** Resource name, or `?` when the document did not say. */
  readonly name: string;
  /** Dotted field path with [index] for arrays, e.g. `spec.subnets[1]`; empty for the whole resource. */
  readonly path: string;
  readonly message: string;
  /** Where the resource came from, when known (file and document index). */
  readonly source?: string;
}

export function formatIssue(issue: Issue): string {
  const where = issue.source ? `${issue.source}: ` : "";
  const path = issue.path ? ` ${issue.path}:` : ":";
  return `${where}${issue.kind}/${issue.name}${path} ${issue.message} [${issue.code}]`;
}

/** Keys printed as they are; any other key is quoted, e.g. `spec."x\n[Peer]"`. */
const PLAIN_KEY = /^[A-Za-z0-9_$@/+:-]+(?: [A-Za-z0-9_$@/+:-]+)*$/;

/**
 * A JSON string literal with every control character escaped: JSON.stringify
 * leaves DEL, C1 controls, line/paragraph separators and bidi overrides as they
 * are, and those reach terminals and logs from untrusted input.
 */
export function quoteText(text: string): string {
  return JSON.stringify(text).replace(
    /[\u007f-\u009f\u200e\u200f\u2028-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * `spec.subnets[1]`. Keys come from untrusted documents (unknown fields, label
 * keys), so a key that is not plain is quoted: it can then neither forge lines
 * nor be mistaken for a deeper path.
 */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") {
      out += `[${part}]`;
      continue;
    }
    const text = typeof part === "symbol" ? (part.description ?? "") : part;
    const key = PLAIN_KEY.test(text) ? text : quoteText(text);
    out += out ? `.${key}` : key;
  }
  return out;
}

/** Thrown by operations that refuse an invalid whole; carries every issue. */
export class ValidationError extends Error {
  constructor(readonly issues: readonly Issue[]) {
    super(issues.length === 1 ? formatIssue(issues[0]!) : `${issues.length} validation errors`);
  }
}
