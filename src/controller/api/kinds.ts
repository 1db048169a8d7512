/** URL names of the resource kinds: `/api/v1/<plural>`. */
import type { ResourceKind } from "../../model/index.js";

export const KIND_PATHS: Record<ResourceKind, string> = {
  Network: "networks",
  Node: "nodes",
  EnrollmentPolicy: "enrollment-policies",
  Enrollment: "enrollments",
  AccessPolicy: "access-policies",
  PeerOverride: "peer-overrides",
};
