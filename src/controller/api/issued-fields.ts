/**
 * What API tokens and join tokens share in the API: who issued one, when, and until when. One
 * schema fragment, one view of the stored columns and one expiry rule, so both answer alike.
 */
import { z } from "zod";
import { durationSeconds } from "../../model/index.js";
import { hashSecret } from "../auth/secrets.js";

/** The issue fields of a token's answer; `expiresAt` null: it never expires. */
export const issuedFields = {
  createdBy: z.string(),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
};

/** The stored issue columns of a token. */
interface IssuedRow {
  readonly created_by: string;
  readonly created_at: string;
  readonly expires_at: string | null;
}

/** The issue fields of a stored token, as {@link issuedFields} declares them. */
export const issuedView = (t: IssuedRow) => ({
  createdBy: t.created_by,
  createdAt: t.created_at,
  expiresAt: t.expires_at,
});

/** When a token made at `now` with lifetime `ttl` expires (ISO-8601); null when no `ttl` is given. */
export function expiresAt(now: Date, ttl: string | undefined): string | null {
  return ttl ? new Date(now.getTime() + durationSeconds(ttl) * 1000).toISOString() : null;
}

/** The stored issue columns of a token `by` an actor at `now`: its secret hashed, never kept. */
export function issuedColumns(by: string, now: Date, secret: string, ttl: string | undefined) {
  return {
    secret_hash: hashSecret(secret),
    created_by: by,
    created_at: now.toISOString(),
    expires_at: expiresAt(now, ttl),
  };
}
