/** Fixed-window rate limits shared by every replica (login, enrollment). */
import type { Db } from "../db/open.js";
import { hitRateLimit } from "../db/repo-rate-limits.js";

/** Counts one hit on each key in the window holding `at` (ms); returns each key's count so far. */
export function countHits(db: Db, keys: readonly string[], windowMs: number, at: number): Promise<number[]> {
  return db.transaction(async (tx) => {
    const counts: number[] = [];
    for (const key of keys) counts.push(await hitRateLimit(tx, key, windowMs, at));
    return counts;
  });
}
