/**
 * Rate-limit counters in the database, so every replica counts against the same limit (sign-in
 * attempts, enrollment requests). A window starts at a key's first hit and lasts `windowMs`;
 * a hit after it starts a new one.
 */
import { sql } from "kysely";
import type { Tx } from "./open.js";

/**
 * Counts one hit for `key` at `now` (ms since the epoch) and returns the hits in the current
 * window, this one included. One upsert, so concurrent hits from several replicas all count. A
 * `now` behind the stored window (a replica's clock lagging) counts in the stored window.
 */
export async function hitRateLimit(tx: Tx, key: string, windowMs: number, now: number): Promise<number> {
  if (!Number.isSafeInteger(windowMs) || windowMs < 1)
    throw new RangeError(`windowMs must be ≥ 1, not ${windowMs}`);
  if (!Number.isSafeInteger(now)) throw new RangeError(`now must be whole milliseconds, not ${now}`);
  const inWindow = sql<boolean>`excluded.window_start - rate_limits.window_start < ${windowMs}`;
  const row = await tx
    .insertInto("rate_limits")
    .values({ key, window_start: now, count: 1 })
    .onConflict((oc) =>
      oc.column("key").doUpdateSet({
        count: sql<number>`case when ${inWindow} then rate_limits.count + 1 else 1 end`,
        window_start: sql<number>`case when ${inWindow} then rate_limits.window_start else excluded.window_start end`,
      }),
    )
    .returning("count")
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Forgets counters whose window started before `before` (ms); returns how many. Run now and then. */
export async function pruneRateLimits(tx: Tx, before: number): Promise<number> {
  const result = await tx.deleteFrom("rate_limits").where("window_start", "<", before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
