/**
 * Two controller replicas on one PostgreSQL database: a change committed through one wakes a long
 * poll held by the other, which answers with the new state read from the database. The other
 * replica's revision poll is switched off, so only LISTEN/NOTIFY can wake it.
 */
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import type { DesiredState } from "../../model/index.js";
import { withPostgres } from "../../testing/postgres.js";
import { openDatabase } from "../db/open.js";
import { nodeCredential } from "../testing/agents.js";
import { type Credential, corpYaml, startController } from "../testing/api-harness.js";
import { expectOk } from "../testing/expect-api.js";

const TITLE = "config delivery across PostgreSQL replicas";
const pg = await withPostgres(TITLE);
const HOUR = 3600_000;

describe.skipIf(pg === undefined)(TITLE, () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it("a commit on replica A wakes a long poll held by replica B", async () => {
    const url = await pg!.freshDatabase();
    const dbA = await openDatabase({ databaseUrl: url, dataDir: "/nonexistent" });
    cleanups.push(() => dbA.close());
    const dbB = await openDatabase({ databaseUrl: url, dataDir: "/nonexistent" });
    cleanups.push(() => dbB.close());
    const a = await startController(dbA, { withoutTokens: true, revisionPollMs: HOUR }, cleanups);
    const b = await startController(dbB, { withoutTokens: true, revisionPollMs: HOUR }, cleanups);

    /** Holds a long poll on B for the state after `revision` (at most `wait` s), given `settleMs` to be held. */
    const holdPoll = async (cred: Credential, revision: string, wait: number, settleMs: number) => {
      const answer = b.call(
        cred,
        "GET",
        `/agent/v1/config?have=${encodeURIComponent(revision)}&wait=${wait}`,
      );
      await new Promise((r) => setTimeout(r, settleMs));
      return { answer };
    };
    /** Applies the corp example on A with its 15 s keepalives set to `seconds`: a change for the spokes. */
    const applyKeepalive = (seconds: number) =>
      a.call(a.admin, "POST", "/api/v1/apply", {
        body: corpYaml().replace("persistentKeepalive: 15", `persistentKeepalive: ${seconds}`),
      });

    expectOk(await a.call(a.admin, "POST", "/api/v1/apply", { body: corpYaml() }));
    const rig = await nodeCredential(dbA, "edge-rig");
    // B learns of the first apply on this request (it reads the stored revision).
    const first = await b.call(rig, "GET", "/agent/v1/config");
    expectOk(first);
    const state = first.json() as DesiredState;

    const poll = await holdPoll(rig, state.revision, 20, 200);
    const changed = await applyKeepalive(21);
    expectOk(changed);
    expect((changed.json() as { nodes: string[] }).nodes).toContain("edge-rig");
    const started = Date.now();
    const woke = await poll.answer;
    expectOk(woke);
    const next = woke.json() as DesiredState;
    expect(next.revision).not.toBe(state.revision);
    expect(next.interfaces.some((i) => i.peers.some((p) => p.persistentKeepalive === 21))).toBe(true);
    // Woken by the notification, not by the 20 s timeout (there is no other way to wake it here).
    expect(Date.now() - started).toBeLessThan(10_000);

    // An unaffected node held on B keeps waiting and ends unchanged.
    const nyc = await nodeCredential(dbA, "branch-nyc");
    const nycState = (await b.call(nyc, "GET", "/agent/v1/config")).json() as DesiredState;
    const nycPoll = await holdPoll(nyc, nycState.revision, 2, 200);
    expectOk(await applyKeepalive(22));
    expect((await nycPoll.answer).statusCode).toBe(204);

    // The listen connections drop (a database restart, a network blip): replicas reconnect and
    // catch up, and B is woken by the next change again.
    const killed = await sql<{ n: number }>`
      select count(pg_terminate_backend(pid)) as n from pg_stat_activity
      where application_name = 'hubwire-listen' and datname = current_database()`.execute(dbA.kysely);
    expect(Number(killed.rows[0]!.n)).toBe(2);
    const current = (await b.call(rig, "GET", "/agent/v1/config")).json() as DesiredState;
    const afterDrop = await holdPoll(rig, current.revision, 20, 1500);
    expectOk(await applyKeepalive(23));
    const woken = await afterDrop.answer;
    expectOk(woken);
    expect((woken.json() as DesiredState).revision).not.toBe(current.revision);
  });
});
