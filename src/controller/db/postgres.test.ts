/**
 * The shared suite on PostgreSQL (skipped loudly when no server is reachable, failed under CI),
 * plus what only PostgreSQL has: SERIALIZABLE transactions and URL checks.
 */
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { withPostgres } from "../../testing/postgres.js";
import { openDatabase } from "./open.js";
import { repoSuite } from "./repo.suite.js";

const TITLE = "controller/db on PostgreSQL";
const pg = await withPostgres(TITLE);

describe.skipIf(pg === undefined)(TITLE, () => {
  const dataDir = "/nonexistent/hubwire-unused";
  repoSuite(async () => {
    const databaseUrl = await pg!.freshDatabase();
    return () => openDatabase({ databaseUrl, dataDir });
  });

  it("runs transactions SERIALIZABLE and BIGINT as numbers", async () => {
    const db = await openDatabase({ databaseUrl: pg!.url, dataDir });
    try {
      const level = await db.transaction(async (tx) => {
        const { rows } = await sql<{
          level: string;
        }>`select current_setting('transaction_isolation') as level`.execute(tx);
        return rows[0]!.level;
      });
      expect(level).toBe("serializable");
      const { rows } = await sql<{ n: number }>`select cast(9007199254740991 as bigint) as n`.execute(
        db.kysely,
      );
      expect(rows[0]!.n).toBe(Number.MAX_SAFE_INTEGER);
      await expect(sql`select cast(9007199254740993 as bigint) as n`.execute(db.kysely)).rejects.toThrow(
        /does not fit/,
      );
    } finally {
      await db.close();
    }
  });

  it("accepts postgresql:// as well as postgres://", async () => {
    const db = await openDatabase({ databaseUrl: pg!.url.replace(/^postgres:/, "postgresql:"), dataDir });
    await db.close();
  });
});
