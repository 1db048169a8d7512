/**
 * The join token an operator hands to a node (SPEC §4): `hwjoin1.` + base64url
 * of a small JSON document carrying the token id and secret, the enrollment
 * policy (with its network and role, which the request must name), the controller's enrollment URLs, the SHA-256 pin of its CA
 * certificate (as kubeadm does), the controller id the request is addressed to
 * (the HMAC's audience) and the controller's static X25519 public key (for
 * proof of possession). A wire contract shared by CLI, controller and agent.
 *
 * Pure: parsing and formatting only.
 */
import { z } from "zod";
import { dnsLabel } from "./names.js";
import { nodeRole } from "./resources.js";
import { wgPublicKey } from "./wgkey.js";

export const JOIN_TOKEN_PREFIX = "hwjoin1.";

/** Token ids: 12 lowercase Crockford base32 characters (as API token ids). */
export const JOIN_TOKEN_ID = /^[0-9a-hjkmnp-tv-z]{12}$/;

const httpsUrl = z.string().refine(
  (text) => {
    try {
      const url = new URL(text);
      return url.protocol === "https:" && url.username === "" && url.password === "";
    } catch {
      return false;
    }
  },
  { error: "must be an https:// URL without credentials" },
);

export const joinTokenSchema = z.strictObject({
  v: z.literal(1, { error: "unsupported join token version" }),
  id: z.string().regex(JOIN_TOKEN_ID, { error: "invalid token id" }),
  secret: z.string().regex(/^[A-Za-z0-9_-]{43}$/, { error: "invalid token secret" }),
  policy: dnsLabel,
  /** The policy's network and role, which the signed request must name. */
  network: dnsLabel,
  role: nodeRole,
  urls: z.array(httpsUrl).min(1, { error: "the token names no controller URL" }),
  caSha256: z.string().regex(/^[0-9a-f]{64}$/, { error: "must be 64 lowercase hex characters" }),
  audience: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z0-9._:-]+$/, { error: "invalid audience" }),
  controllerKey: wgPublicKey,
});

/** A parsed join token. */
export type JoinToken = z.infer<typeof joinTokenSchema>;

/** A token text that is not a join token; the message says what is wrong, never the secret. */
export class JoinTokenError extends Error {
  override readonly name = "JoinTokenError";
}

/** The token text for `token` (no validation beyond the schema: callers build it from trusted parts). */
export function formatJoinToken(token: JoinToken): string {
  const checked = joinTokenSchema.parse(token);
  return JOIN_TOKEN_PREFIX + Buffer.from(JSON.stringify(checked), "utf8").toString("base64url");
}

/**
 * Parses a join token as pasted by an operator (surrounding whitespace ignored). Throws
 * JoinTokenError naming the first problem; the secret never appears in a message.
 */
export function parseJoinToken(text: string): JoinToken {
  const trimmed = text.trim();
  if (!trimmed.startsWith(JOIN_TOKEN_PREFIX)) {
    throw new JoinTokenError(`a join token starts with ${JOIN_TOKEN_PREFIX}`);
  }
  const body = trimmed.slice(JOIN_TOKEN_PREFIX.length);
  if (!/^[A-Za-z0-9_-]+$/.test(body)) throw new JoinTokenError("the join token is not base64url");
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
  } catch {
    throw new JoinTokenError("the join token does not decode to JSON (truncated when copied?)");
  }
  const parsed = joinTokenSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new JoinTokenError(`join token field ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  return parsed.data;
}
