/**
 * Who is calling, and what their role lets them do. Roles nest: a viewer
 * reads; an operator also changes intent and approves enrollments; an admin
 * also manages users and API tokens.
 */
/**
 * `public`: no credentials; `read`: any role; `write`: operator or admin; `admin`: admin only;
 * `node`: an agent with its node credential (and nothing else: a user cannot call it, a node
 * credential opens nothing but these routes).
 */
export type Permission = "public" | "read" | "write" | "admin" | "node";

export const ROLES = ["admin", "operator", "viewer"] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  readonly kind: "user" | "token" | "node";
  /** User id or token id. */
  readonly id: string;
  /** What the audit log records: `user:NAME`, `token:NAME` or `node:NAME`. */
  readonly actor: string;
  /** For node principals `viewer`, never consulted: node routes check the node, not a role. */
  readonly role: Role;
  /** Set for node principals: the node the credential belongs to. */
  readonly node?: string;
  /** Set for cookie sessions: state-changing requests must then carry the CSRF token. */
  readonly sessionIdHash?: string;
  readonly csrfHash?: string;
}

const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };
const NEEDED: Record<Exclude<Permission, "public" | "node">, number> = { read: 1, write: 2, admin: 3 };

/** Whether a user or API token of `role` may call a route; never for `node` routes. */
export function allows(role: Role, permission: Permission): boolean {
  if (permission === "node") return false;
  return permission === "public" || RANK[role] >= NEEDED[permission];
}
