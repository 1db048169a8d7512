/** `npm run bench:failover`: runs only the failover rounds (a benchmark, not a test suite). */
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: { include: ["e2e/dataplane/failover.rounds.ts"], testTimeout: 900_000, hookTimeout: 300_000 },
});
