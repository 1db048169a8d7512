/** The intent writer's suite on SQLite. */
import { describe } from "vitest";
import { openDatabase } from "../db/open.js";
import { scratchDir } from "../testing/scratch-dir.js";
import { intentStoreSuite } from "./intent-store.suite.js";

const dirs = await scratchDir("hubwire-intent-");

describe("intent store on SQLite", () => {
  intentStoreSuite(async () => {
    const dataDir = dirs.next();
    return () => openDatabase({ dataDir });
  });
});
