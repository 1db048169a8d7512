/**
 * What the shared repository suite needs from a dialect: empty databases, each openable more than
 * once (two handles on one database stand in for two controller replicas). Handles opened through
 * the harness are closed after each test.
 */
import { afterEach } from "vitest";
import type { Db } from "./open.js";

/** Opens one particular database; every call is a new handle (SQLite connection or pg pool). */
export type Opener = () => Promise<Db>;

/** Creates a new, empty, not yet migrated database and returns how to open it. */
export type FreshDatabase = () => Promise<Opener>;

/** Per-test access to databases. */
export interface Harness {
  /** A handle on a new empty database. */
  db(): Promise<Db>;
  /** A new empty database, to open as often as the test needs. */
  fresh(): Promise<Opener>;
}

/** Registers the cleanup in the enclosing `describe` and returns the per-test accessors. */
export function harness(freshDatabase: FreshDatabase): Harness {
  const handles: Db[] = [];
  afterEach(async () => {
    await Promise.all(handles.splice(0).map((db) => db.close()));
  });
  const fresh = async (): Promise<Opener> => {
    const open = await freshDatabase();
    return async () => {
      const db = await open();
      handles.push(db);
      return db;
    };
  };
  return { fresh, db: async () => (await fresh())() };
}
