/**
 * Enrollment state carried by an export (SPEC §4, §8): `GET /api/v1/export` keeps an
 * Enrollment's `status` so that apply/import into another controller restores an approved node as
 * approved and a revoked or rejected one as such. Status is otherwise controller-owned, so what
 * may come in is narrow: a well-formed status, and only for an Enrollment the controller does not
 * have yet. An existing enrollment's state changes only by its own audited actions (approve,
 * reject, revoke, reset, expiry) — an apply that names another state is refused, so re-applying an
 * old export can never bring a revoked node back.
 */
import { z } from "zod";
import { enrollmentState, type Issue, ipAddress, type Resource, safeText } from "../../model/index.js";
import { DomainError } from "../errors.js";

const at = z.iso.datetime({ offset: false, error: "must be an RFC 3339 UTC time" });

/** What an imported Enrollment's `status` may hold (what enroll/records.ts writes). */
export const restorableStatus = z.strictObject({
  state: enrollmentState,
  reason: safeText.default(""),
  checks: z.array(z.string().max(64)).max(64).optional(),
  tunnelAddress: ipAddress().optional(),
  tokenId: z.string().max(64).optional(),
  requestedAt: at.optional(),
  expiresAt: at.optional(),
  decidedBy: safeText.optional(),
  decidedAt: at.optional(),
});
export type RestorableStatus = z.infer<typeof restorableStatus>;

const issue = (r: Resource, path: string, message: string): Issue => ({
  code: "invalid-field",
  kind: r.kind,
  name: r.metadata.name,
  path,
  message,
});

/** Whether `r` brings an enrollment state to restore. */
export function bringsState(r: Resource): boolean {
  return r.kind === "Enrollment" && r.status !== undefined && "state" in r.status;
}

/**
 * The status to store for incoming `r` given what is stored (`before`): the validated status when
 * it restores a new Enrollment's state; undefined when there is nothing to restore (not an
 * Enrollment with a state, or the same state as stored: kept as stored). Throws
 * `validation-failed` naming the field for a malformed status, `conflict` for another state than
 * the stored one.
 */
export function restoredStatus(r: Resource, before: Resource | undefined): RestorableStatus | undefined {
  if (!bringsState(r)) return undefined;
  const parsed = restorableStatus.safeParse(r.status);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) =>
      issue(r, ["status", ...i.path.map(String)].join("."), i.message),
    );
    throw new DomainError("validation-failed", `Enrollment/${r.metadata.name} has an invalid status`, issues);
  }
  if (!before) return parsed.data;
  const stored = typeof before.status?.state === "string" ? before.status.state : "Pending";
  if (stored === parsed.data.state) return undefined;
  throw new DomainError(
    "conflict",
    `Enrollment/${r.metadata.name} is ${stored}: apply cannot make it ${parsed.data.state} (use approve, reject, revoke or reset)`,
    [issue(r, "status.state", `is ${stored} here; only a new Enrollment's state is restored`)],
  );
}
