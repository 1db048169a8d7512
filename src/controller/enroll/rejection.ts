/**
 * A refused enrollment request: a stable reason code in the answer and in the audit log, and
 * nothing else stored (the consumed nonce aside). Thrown inside the enrollment transaction, so the
 * transaction rolls back; the caller then records the audit entry (and nonce) on its own.
 */
import type { EnrollReason } from "../../model/enroll-wire.js";
import type { Db } from "../db/open.js";
import { appendAudit } from "../db/repo-audit.js";
import { claimNonce } from "../db/repo-join-tokens.js";
import { DomainError } from "../errors.js";

export class EnrollRejection extends DomainError {
  constructor(
    readonly reason: EnrollReason,
    message: string,
    /** The enrollment's state when the request names an existing one (e.g. Revoked). */
    readonly state?: string,
  ) {
    super("enrollment-rejected", message, undefined, {
      extra: { reason, ...(state ? { state } : {}) },
    });
  }
}

/** What the audit entry of a refusal says. */
export interface RefusalRecord {
  readonly at: Date;
  readonly source: string;
  readonly node?: string;
  readonly policy?: string;
  readonly tokenId?: string;
  /** Consumed with the refusal (nonce scope and value) when the request carried a valid one. */
  readonly nonce?: { readonly scope: string; readonly value: string };
  readonly action?: string;
}

/** Stores the audit entry of `rejection` and the nonce it consumed, in one transaction. */
export async function recordRefusal(db: Db, rejection: EnrollRejection, r: RefusalRecord): Promise<void> {
  await db.transaction(async (tx) => {
    if (r.nonce) await claimNonce(tx, r.nonce.scope, r.nonce.value, r.at.toISOString());
    await appendAudit(tx, {
      at: r.at.toISOString(),
      actor: r.node ? `agent:${r.node}` : "anonymous",
      source: r.source,
      action: r.action ?? "enroll-refused",
      kind: "Enrollment",
      name: r.node ?? null,
      before: null,
      after: {
        reason: rejection.reason,
        message: rejection.message,
        ...(r.policy ? { policy: r.policy } : {}),
        ...(r.tokenId ? { tokenId: r.tokenId } : {}),
      },
    });
  });
}
