/**
 * Periodic enrollment upkeep, run by the controller every minute: expire what outlived its
 * policy's TTL, end key rotations whose grace period is over, and forget nonces old enough that the timestamp check alone refuses their replay
 * (a request is accepted only within ±skew of its timestamp, so a nonce seen at t cannot be
 * replayed after t + 2 × skew).
 */
import { pruneNonces } from "../db/repo-join-tokens.js";
import { pruneRateLimits } from "../db/repo-rate-limits.js";
import { expireEnrollments } from "./decide.js";
import type { EnrollServices } from "./join.js";
import { expireRotations } from "./rotation-finish.js";

export async function enrollmentHousekeeping(
  s: EnrollServices,
): Promise<{ expired: string[]; nonces: number; rotations: string[] }> {
  const expired = await expireEnrollments(s);
  const rotations = await expireRotations(s.intent, s.now());
  const now = s.now().getTime();
  const nonces = await s.db.transaction(async (tx) => {
    await pruneRateLimits(tx, now - s.config.windowMs);
    return pruneNonces(tx, new Date(now - 2 * s.config.skewMs).toISOString());
  });
  return { expired, nonces, rotations };
}
