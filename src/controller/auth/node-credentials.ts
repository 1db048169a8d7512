/**
 * A node's own credential for the agent API (SPEC §4): issued when its enrollment is approved,
 * presented as `Authorization: Bearer hwn_NODE_SECRET`. Only the secret's SHA-256 is stored; the
 * node name in the credential finds the row. Revocation takes effect on the next request, since
 * every request reads the row as committed (the agent API has no cache to outlive a revocation).
 */
import type { FastifyRequest } from "fastify";
import type { Db, Tx } from "../db/open.js";
import {
  deleteNodeCredential,
  putNodeCredential,
  readNodeCredential,
  revokeNodeCredential,
} from "../db/repo-node-credentials.js";
import { DomainError } from "../errors.js";
import type { Principal } from "./principal.js";
import { hashSecret, matchesSecretHash, newSecret } from "./secrets.js";

/** `hwn_` + node name (a DNS label: no `_`) + `_` + 43 base64url characters (32 bytes). */
const CREDENTIAL = /^hwn_([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)_([A-Za-z0-9_-]{43})$/;

/** Splits a presented credential, or undefined when it is not one this controller could have issued. */
export function parseNodeCredential(text: string): { node: string; secret: string } | undefined {
  const m = CREDENTIAL.exec(text);
  if (!m) return undefined;
  const [, node, secret] = m as unknown as [string, string, string];
  if (Buffer.from(secret, "base64url").toString("base64url") !== secret) return undefined;
  return { node, secret };
}

/**
 * Issues a new credential for `node` inside the caller's transaction, replacing any earlier one
 * (which stops working). The returned text is the only copy: hand it to the agent once. Throws
 * `conflict` for a node whose credential was revoked: revocation is final.
 */
export async function issueNodeCredential(tx: Tx, node: string, now: Date): Promise<string> {
  const secret = newSecret(32);
  if (!(await putNodeCredential(tx, node, hashSecret(secret), now.toISOString()))) {
    throw new DomainError("conflict", `node ${node} was revoked; it gets no credential again`);
  }
  return `hwn_${node}_${secret}`;
}

/** Deletes any credential row of `node` (revoked or not): for a new enrollment of the name. */
export async function forgetNodeCredential(tx: Tx, node: string): Promise<void> {
  await deleteNodeCredential(tx, node);
}

/** Makes `node`'s credential fail from now on; false when it had none or it was already revoked. */
export function revokeNodeCredentialOf(tx: Tx, node: string, now: Date): Promise<boolean> {
  return revokeNodeCredential(tx, node, now.toISOString());
}

const denied = () => new DomainError("unauthenticated", "missing or invalid node credential");

/**
 * The node presenting `Authorization: Bearer hwn_…`, or `unauthenticated` (one message for every
 * failure: missing, malformed, unknown, wrong secret, revoked).
 */
export async function authenticateNode(db: Db, request: FastifyRequest): Promise<Principal> {
  const match = /^Bearer (\S+)$/.exec(request.headers.authorization ?? "");
  const parsed = match ? parseNodeCredential(match[1]!) : undefined;
  if (!parsed) throw denied();
  // Read on every request, by design: a credential cache would have to learn of a revocation on
  // another replica (PostgreSQL) before the next request, which nothing short of this read can
  // promise. What is made cheap instead is the read (readNodeCredential: on SQLite one prepared
  // statement for the requests of one event-loop turn, on PostgreSQL a query compiled once).
  const row = await readNodeCredential(db, parsed.node);
  if (!row || row.revoked_at !== null || !matchesSecretHash(row.secret_hash, parsed.secret)) {
    throw denied();
  }
  return { kind: "node", id: parsed.node, actor: `node:${parsed.node}`, role: "viewer", node: parsed.node };
}
