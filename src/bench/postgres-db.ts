/**
 * A fresh PostgreSQL database per benchmark round, on the server at `HUBWIRE_BENCH_DATABASE_URL`
 * (default postgres://postgres@127.0.0.1:5432/test), dropped afterwards.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";

export const PG_SERVER = process.env.HUBWIRE_BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** Creates a database for one round and returns its URL and how to drop it; undefined when the server is unreachable. */
export async function freshPostgres(): Promise<{ url: string; drop(): Promise<void> } | string> {
  const admin = new pg.Client({ connectionString: PG_SERVER, connectionTimeoutMillis: 3000 });
  admin.on("error", () => undefined);
  try {
    await admin.connect();
  } catch (error) {
    return (error as Error).message;
  }
  const name = `hubwire_bench_${process.pid}_${randomBytes(4).toString("hex")}`;
  try {
    await admin.query(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_SERVER);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: PG_SERVER });
      await c.connect();
      try {
        await c.query(`drop database if exists "${name}" with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}
