/**
 * What enrollment writes: the Enrollment record (the signed request as spec, the controller's
 * verdict as status) and the Node an approval creates or completes — plus the answer an agent
 * gets. Kept apart from the request flow so approval by an operator builds exactly what an
 * `approval: auto` policy builds.
 */
import type { EnrollAnswer } from "../../model/enroll-wire.js";
import {
  API_VERSION,
  durationSeconds,
  type Enrollment,
  type EnrollmentPolicy,
  MAX_DURATION_SECONDS,
  type Node,
} from "../../model/index.js";
import type { JoinRequest } from "../../model/join-payload.js";
import { enrollmentAddress, enrollmentStateOf } from "./checks.js";
import type { EnrollmentConfig } from "./config.js";

/** The annotation naming the policy a node was enrolled through. */
export const ENROLLED_BY = "hubwire/enrolled-by";

/** `status` of an Enrollment, as this module writes it. */
export interface EnrollmentStatus {
  readonly state: "Pending" | "Approved" | "Rejected" | "Revoked" | "Expired";
  readonly reason: string;
  readonly checks?: readonly string[];
  readonly tunnelAddress?: string;
  readonly tokenId?: string;
  readonly requestedAt?: string;
  readonly expiresAt?: string;
  readonly decidedBy?: string;
  readonly decidedAt?: string;
}

/** When an enrollment made at `timestamp` under `policy` stops being valid; undefined: never. */
export function expiryOf(policy: EnrollmentPolicy, timestamp: string): string | undefined {
  if (!policy.spec.ttl) return undefined;
  // A policy stored before durations were bounded may hold a longer one: never past a valid date.
  const seconds = Math.min(durationSeconds(policy.spec.ttl), MAX_DURATION_SECONDS);
  return new Date(Date.parse(timestamp) + seconds * 1000).toISOString();
}

export function enrollmentRecord(
  request: JoinRequest & { hmac: string },
  status: EnrollmentStatus,
): Enrollment {
  return {
    apiVersion: API_VERSION,
    kind: "Enrollment",
    metadata: { name: request.nodeName },
    spec: request,
    status: { ...status },
  } as Enrollment;
}

/** The same Enrollment in a new state, keeping what it recorded before. */
export function withState(e: Enrollment, change: Partial<EnrollmentStatus>): Enrollment {
  return { ...e, status: { ...(e.status ?? {}), ...change } };
}

/**
 * The Node an approved enrollment stands for: the declared Node completed with what the request
 * brings (a declaration wins where it says something), or a new Node with the policy's hubs and
 * labels.
 */
export function nodeFor(
  e: Enrollment,
  policy: EnrollmentPolicy | undefined,
  declared: Node | undefined,
): Node {
  const s = e.spec;
  const address = enrollmentAddress(e);
  if (declared) {
    const d = declared.spec;
    return {
      ...declared,
      spec: {
        ...d,
        publicKey: s.publicKey,
        endpoint: d.endpoint ?? s.endpoint,
        tunnelAddress: d.tunnelAddress ?? address,
        listenPort: d.listenPort ?? s.listenPort,
        subnets: d.subnets.length > 0 ? d.subnets : s.subnets,
        persistentKeepalive: d.persistentKeepalive ?? s.persistentKeepalive,
      },
    };
  }
  const spec: Node["spec"] = {
    network: s.network,
    role: s.role,
    subnets: [...s.subnets],
    hubs: [...(policy?.spec.hubs ?? [])],
    publicKey: s.publicKey,
  };
  if (address !== undefined) spec.tunnelAddress = address;
  if (s.endpoint !== undefined) spec.endpoint = s.endpoint;
  if (s.listenPort !== undefined) spec.listenPort = s.listenPort;
  if (s.persistentKeepalive !== undefined) spec.persistentKeepalive = s.persistentKeepalive;
  return {
    apiVersion: API_VERSION,
    kind: "Node",
    metadata: {
      name: s.nodeName,
      labels: { ...(policy?.spec.labels ?? {}) },
      annotations: { [ENROLLED_BY]: e.spec.policy },
    },
    spec,
  };
}

/** `node` no longer a peer anywhere: its public key removed (revocation, expiry). */
export function withoutKey(node: Node): Node {
  const { publicKey: _key, ...spec } = node.spec;
  return { ...node, spec: spec as Node["spec"] };
}

/** The agent's answer for enrollment `e`, with a credential when one was just issued. */
export function answerFor(e: Enrollment, config: EnrollmentConfig, credential?: string): EnrollAnswer {
  const status = (e.status ?? {}) as Partial<EnrollmentStatus>;
  return {
    state: (enrollmentStateOf(e) ?? "Pending") as EnrollAnswer["state"],
    node: e.metadata.name,
    reason: status.reason ?? "",
    ...(credential ? { credential } : {}),
    ...(status.expiresAt ? { expiresAt: status.expiresAt } : {}),
    controllerUrls: [...config.urls],
    caPem: config.caPem,
  };
}
