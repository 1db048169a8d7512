/**
 * The API's types as the UI uses them, from the generated `schema.d.ts` (the
 * controller's OpenAPI document; `npm run api-types` after a route changes).
 * Only what the document leaves open (an Enrollment's `status`) is written
 * out here.
 */
import type { operations, paths } from "./schema";

/** The JSON of an answer, or the text of a file answer (wg-quick, YAML, CSV). */
type JsonOf<R> = R extends { content: infer C }
  ? C extends { "application/json": infer T }
    ? T
    : C[keyof C]
  : never;
type Ok<O> = O extends { responses: infer R }
  ? R extends { 200: infer A }
    ? JsonOf<A>
    : R extends { 201: infer A }
      ? JsonOf<A>
      : never
  : never;

/** The paths the controller answers `GET` on. */
export type GetPath = { [P in keyof paths]: paths[P] extends { get: object } ? P : never }[keyof paths];
/** The answer of `GET path`: JSON, or text for a file. */
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
export type PeerOverride = GetResult<"/api/v1/peer-overrides/{name}">;
/** `GET /api/v1/nodes/{name}/compiled`: what the node's agent is sent. */
export type CompiledNode = GetResult<"/api/v1/nodes/{name}/compiled">;
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

// ---- Enrollment and live status (generated from the controller's routes) ----

/** `GET /api/v1/node-status` items: a node with its latest report (zeroes and nulls when none). */
export type NodeStatusView = GetResult<"/api/v1/node-status">["items"][number];
/** A peer as the agent last reported it, named from the desired state (null: unknown key). */
export type PeerStatus = NodeStatusView["peers"][number];
/** `GET /api/v1/node-status/:name`: the same with its traffic history, oldest sample first. */
export type NodeStatusDetail = GetResult<"/api/v1/node-status/{name}">;
/** `GET /api/v1/overview`. */
export type Overview = GetResult<"/api/v1/overview">;
/** `GET /api/v1/join-tokens` items (never the secret). */
export type JoinToken = GetResult<"/api/v1/join-tokens">["items"][number];
/** `POST /api/v1/join-tokens`: the item and, this once, the token text. */
export type CreatedJoinToken = Ok<operations["postApiV1JoinTokens"]>;

/**
 * `status` of an Enrollment. The OpenAPI document types resource status as an open object, so
 * this follows what the controller writes (src/controller/enroll/records.ts).
 */
export interface EnrollmentStatus {
  readonly state?: "Pending" | "Approved" | "Rejected" | "Revoked" | "Expired";
  readonly reason?: string;
  /** Names of the checks the request passed (`token`, `hmac`, `proof-of-possession`, …). */
  readonly checks?: readonly string[];
  /** The tunnel address allocated for the node when the request named none. */
  readonly tunnelAddress?: string;
  /** The join token the request came with. */
  readonly tokenId?: string;
  readonly requestedAt?: string;
  readonly expiresAt?: string;
  /** `user:NAME` (or the API token's actor), `policy:NAME` for automatic approval, `system` for expiry. */
  readonly decidedBy?: string;
  readonly decidedAt?: string;
}
