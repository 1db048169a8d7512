/** How the controller runs enrollment: where agents reach it, what they pin, and its limits. */

export interface EnrollmentConfig {
  /** The enrollment listener's URLs, written into join tokens. */
  readonly urls: readonly string[];
  /** SHA-256 (lowercase hex) of the CA certificate's DER: the join token's pin. */
  readonly caSha256: string;
  /** The CA certificate (PEM), handed to enrolled agents for later connections. */
  readonly caPem: string;
  /** Allowed difference between a request's timestamp and the controller's clock (ms). */
  readonly skewMs: number;
  /** Requests per source address per window (join and status); 0 turns the limit off. */
  readonly perAddress: number;
  /** Requests per token id per window; 0 turns the limit off. */
  readonly perToken: number;
  readonly windowMs: number;
  /**
   * How long a rotated node's old key stays valid at most, waiting for proof that the node
   * applied the new one (state/rotation-grace.ts).
   */
  readonly rotationGraceMs: number;
}

export const DEFAULT_ROTATION_GRACE_MS = 24 * 3600_000;

export const DEFAULT_SKEW_MS = 5 * 60_000;

/** Defaults: 5 min skew; 60 requests a minute per address, 600 per token; 24 h rotation grace. */
export function enrollmentConfig(
  base: Pick<EnrollmentConfig, "urls" | "caSha256" | "caPem"> & Partial<EnrollmentConfig>,
): EnrollmentConfig {
  return {
    skewMs: DEFAULT_SKEW_MS,
    perAddress: 60,
    perToken: 600,
    windowMs: 60_000,
    rotationGraceMs: DEFAULT_ROTATION_GRACE_MS,
    ...base,
  };
}
