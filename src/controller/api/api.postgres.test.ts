/**
 * The shared API suite on PostgreSQL (skipped loudly when no server is reachable, failed under CI).
 * The file's databases are reused, emptied before each test (see reused-postgres.ts).
 */
import { describe } from "vitest";
import { withPostgres } from "../../testing/postgres.js";
import { reusedPostgres } from "../testing/reused-postgres.js";
import { apiSuite } from "./api.suite.js";

const TITLE = "controller API on PostgreSQL";
const pg = await withPostgres(TITLE);

describe.skipIf(pg === undefined)(TITLE, () => {
  apiSuite(reusedPostgres(pg!));
});
