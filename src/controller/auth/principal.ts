/**
 * Who is calling, and what their role lets them do. Roles nest: a viewer
 * reads; an operator also changes intent and approves enrollments; an admin
 * also manages users and API tokens.
 */
/** `public`: no credentials; `read`: any role; `write`: operator or admin; `admin`: admin only. */
export type Permission = "public" | "read" | "write" | "admin";

export const ROLES = ["admin", "operator", "viewer"] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  readonly kind: "user" | "token";
  /** User id or token id. */
  readonly id: string;
  /** What the audit log records: `user:NAME` or `token:NAME`. */
  readonly actor: string;
  readonly role: Role;
  /** Set for cookie sessions: state-changing requests must then carry the CSRF token. */
  readonly sessionIdHash?: string;
  readonly csrfHash?: string;
}

const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };
const NEEDED: Record<Exclude<Permission, "public">, number> = { read: 1, write: 2, admin: 3 };

export function allows(role: Role, permission: Permission): boolean {
  return permission === "public" || RANK[role] >= NEEDED[permission];
}
