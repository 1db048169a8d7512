/**
 * A scratch directory for test databases: in memory (/dev/shm) where there is one, since SQLite
 * syncs every commit (synchronous = FULL) and API tests commit on nearly every request; else the
 * system's temporary directory. Removed after the file's tests.
 */
import { accessSync, constants } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";

function base(): string {
  try {
    accessSync("/dev/shm", constants.W_OK);
    return "/dev/shm";
  } catch {
    return tmpdir();
  }
}

/** Makes the directory and registers its removal in `afterAll` of the enclosing scope. */
export async function scratchDir(prefix: string): Promise<{ root: string; next(): string }> {
  const root = await mkdtemp(join(base(), prefix));
  afterAll(() => rm(root, { recursive: true, force: true }));
  let counter = 0;
  return { root, next: () => join(root, `d${++counter}`) };
}
