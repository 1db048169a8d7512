/** `npm run bench:add-node`: runs only the add-node rounds (a benchmark, not a test suite). */
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: { include: ["e2e/dataplane/add-node.rounds.ts"], testTimeout: 900_000, hookTimeout: 300_000 },
});
