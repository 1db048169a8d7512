/** The shared API suite on SQLite. */
import { describe } from "vitest";
import { openDatabase } from "../db/open.js";
import { scratchDir } from "../testing/scratch-dir.js";
import { apiSuite } from "./api.suite.js";

const dirs = await scratchDir("hubwire-api-");

describe("controller API on SQLite", () => {
  apiSuite(async () => {
    const dataDir = dirs.next();
    return () => openDatabase({ dataDir });
  });
});
