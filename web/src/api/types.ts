/**
 * The API's types as the UI uses them: resources and views come from the
 * generated `schema.d.ts` (the controller's OpenAPI document); the shapes of
 * routes that other work streams are adding (live status, overview,
 * enrollment decisions, join tokens) follow the agreed contract until they
 * appear in the document.
 */
import type { operations, paths } from "./schema";

type JsonOf<R> = R extends { content: { "application/json": infer T } } ? T : never;
type Ok<O> = O extends { responses: infer R }
  ? R extends { 200: infer A }
    ? JsonOf<A>
    : R extends { 201: infer A }
      ? JsonOf<A>
      : never
  : never;

/** The JSON answer of `GET path`. */
export type GetResult<P extends keyof paths> = paths[P] extends { get: infer O } ? Ok<O> : never;
/** The JSON body of `POST path`. */
export type PostBody<P extends keyof paths> = paths[P] extends {
  post: { requestBody?: { content: { "application/json": infer B } } };
}
  ? B
  : never;

export type Network = GetResult<"/api/v1/networks/{name}">;
export type NodeResource = GetResult<"/api/v1/nodes/{name}">;
export type AccessPolicy = GetResult<"/api/v1/access-policies/{name}">;
export type AccessRule = AccessPolicy["spec"]["rules"][number];
export type EnrollmentPolicy = GetResult<"/api/v1/enrollment-policies/{name}">;
export type Enrollment = GetResult<"/api/v1/enrollments/{name}">;
export type AuditEntry = GetResult<"/api/v1/audit">["items"][number];
export type User = GetResult<"/api/v1/users">["items"][number];
export type ApiToken = GetResult<"/api/v1/tokens">["items"][number];
export type CreatedApiToken = Ok<operations["postApiV1Tokens"]>;
export type Me = GetResult<"/api/v1/me">;
export type LoginResult = Ok<operations["postApiV1Login"]>;
export type ApplyPlan = Ok<operations["postApiV1Apply"]>;
export type Role = "viewer" | "operator" | "admin";
export type Language = "en" | "zh-CN";

/** `spec.role` of a node. */
export type NodeRole = NodeResource["spec"]["role"];

/** An issue in an error answer (src/model/issues.ts). */
export interface Issue {
  readonly code: string;
  readonly kind: string;
  readonly name: string;
  /** `spec.rules[0].ports[1]`; empty for the whole resource. */
  readonly path: string;
  readonly message: string;
  /** `line 12` for imports; a document for apply. */
  readonly source?: string;
}

// ---- Contract shapes (prompts/contracts.md) for routes being added in parallel ----

/** A peer as the agent last reported it. */
export interface PeerStatus {
  readonly name: string | null;
  readonly publicKey: string;
  readonly endpoint: string | null;
  readonly rxBytes: number;
  readonly txBytes: number;
  /** Unix seconds; 0 = never. */
  readonly latestHandshake: number;
  readonly handshakeAgeSeconds: number | null;
}

/** `GET /api/v1/node-status` items. */
export interface NodeStatusView {
  readonly node: string;
  readonly network: string;
  readonly role: NodeRole;
  readonly online: boolean;
  readonly lastSeenAt: string | null;
  readonly agentVersion: string | null;
  readonly appliedRevision: string | null;
  readonly desiredRevision: string | null;
  readonly applyError: string | null;
  readonly rxBytes: number;
  readonly txBytes: number;
  readonly peers: readonly PeerStatus[];
}

/** `GET /api/v1/node-status/:name`. */
export interface NodeStatusDetail extends NodeStatusView {
  readonly history: ReadonlyArray<{ at: string; rxBytes: number; txBytes: number }>;
}

interface OnlineOffline {
  readonly online: number;
  readonly offline: number;
}

/** `GET /api/v1/overview`. */
export interface Overview {
  readonly nodes: {
    readonly total: number;
    readonly online: number;
    readonly offline: number;
    readonly byRole: { hub: OnlineOffline; spoke: OnlineOffline; external: OnlineOffline };
  };
  readonly hubs: ReadonlyArray<{
    name: string;
    network: string;
    online: boolean;
    peers: number;
    peersWithRecentHandshake: number;
  }>;
  readonly traffic: { rxBytes: number; txBytes: number };
  readonly revision: number;
}

/** `GET /api/v1/join-tokens` items. */
export interface JoinToken {
  readonly id: string;
  readonly policy: string;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly maxUses: number | null;
  readonly uses: number;
  readonly revokedAt: string | null;
}

/** `status` of an Enrollment as the enrollment stream fills it in. */
export interface EnrollmentStatus {
  readonly state?: "Pending" | "Approved" | "Rejected" | "Revoked" | "Expired";
  readonly reason?: string;
  readonly checks?: ReadonlyArray<{ field?: string; name?: string; ok?: boolean; message?: string } | string>;
  readonly decidedBy?: string;
  readonly decidedAt?: string;
  readonly expiresAt?: string;
}
