/**
 * PostgreSQL for tests. Each test file gets databases of its own (`hubwire_t_<pid>_<random>`),
 * created on the server at `HUBWIRE_TEST_DATABASE_URL` (default postgres://postgres@127.0.0.1:5432/test)
 * and dropped after the file, so files run in parallel without seeing each other's rows. When the
 * server is not reachable the suite is skipped with a loud `SKIP` line — or, under CI, where
 * `.ci/run` provides PostgreSQL, it fails. Never a silent pass.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, it } from "vitest";
import { isCi } from "./prerequisites.js";
import { isAlive } from "./processes.js";

/** The server tests use unless `HUBWIRE_TEST_DATABASE_URL` names another. */
export const DEFAULT_TEST_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/test";

/** Databases of one test file. */
export interface PostgresFixture {
  /** URL of the empty database created for this file. */
  readonly url: string;
  /** Creates one more empty database (for tests that need a fresh one) and returns its URL. */
  freshDatabase(): Promise<string>;
}

/**
 * Call at the top level of a test file (`const pg = await withPostgres("…")`), then
 * `describe.skipIf(!pg)`. Returns undefined when PostgreSQL is unreachable: it has then printed
 * `SKIP <title>: PostgreSQL not reachable at <url> (<why>)`, or under CI registered a failing test.
 * Every database it creates is dropped in `afterAll`, even if connections are still open.
 */
export async function withPostgres(title: string): Promise<PostgresFixture | undefined> {
  const serverUrl = process.env.HUBWIRE_TEST_DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL;
  const why = await unreachable(serverUrl);
  if (why !== undefined) {
    const needs = `PostgreSQL not reachable at ${redact(serverUrl)} (${why})`;
    if (isCi(process.env)) {
      it(`${title}: has PostgreSQL`, () => {
        throw new Error(
          `${title}: ${needs}. CI is set, so this is a failure, not a skip: .ci/run must provide PostgreSQL ` +
            "(or set HUBWIRE_TEST_DATABASE_URL).",
        );
      });
    } else {
      process.stderr.write(`SKIP ${title}: ${needs}\n`);
    }
    return undefined;
  }

  await sweepLeftovers(serverUrl);
  const created: string[] = [];
  // Dropping a file's databases takes a while on a loaded machine: more than the default hook time.
  afterAll(async () => {
    await admin(serverUrl, async (client) => {
      for (const name of created)
        await client.query(`drop database if exists ${quoteIdent(name)} with (force)`);
    });
  }, 120_000);
  const freshDatabase = async () => {
    const name = `hubwire_t_${process.pid}_${randomBytes(6).toString("hex")}`;
    await admin(serverUrl, (client) => client.query(`create database ${quoteIdent(name)}`));
    created.push(name);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    return url.toString();
  };
  return { url: await freshDatabase(), freshDatabase };
}

let swept: Promise<void> | undefined;

/**
 * Drops the databases of test processes that are gone (killed, or their clean-up timed out), once
 * per process: left behind, they pile up on the server across runs and slow every later drop.
 */
function sweepLeftovers(serverUrl: string): Promise<void> {
  swept ??= admin(serverUrl, async (client) => {
    const { rows } = await client.query<{ datname: string }>(
      "select datname from pg_database where datname like 'hubwire\\_t\\_%'",
    );
    for (const { datname } of rows) {
      const pid = Number(/^hubwire_t_(\d+)_/.exec(datname)?.[1]);
      if (!Number.isInteger(pid) || isAlive(pid)) continue;
      await client.query(`drop database if exists ${quoteIdent(datname)} with (force)`);
    }
  }).catch(() => undefined);
  return swept;
}

async function unreachable(url: string): Promise<string | undefined> {
  try {
    await admin(url, (client) => client.query("select 1"));
    return undefined;
  } catch (error) {
    return (error as Error).message || String(error);
  }
}

async function admin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  client.on("error", () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The URL without its password, for messages. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparseable URL)";
  }
}
