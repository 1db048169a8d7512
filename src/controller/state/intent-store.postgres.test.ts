/** The intent writer's suite on PostgreSQL (skipped loudly when no server is reachable, failed under CI). */
import { describe } from "vitest";
import { withPostgres } from "../../testing/postgres.js";
import { reusedPostgres } from "../testing/reused-postgres.js";
import { intentStoreSuite } from "./intent-store.suite.js";

const TITLE = "intent store on PostgreSQL";
const pg = await withPostgres(TITLE);

describe.skipIf(pg === undefined)(TITLE, () => {
  intentStoreSuite(reusedPostgres(pg!));
});
