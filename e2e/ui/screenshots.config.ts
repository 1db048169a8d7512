/** `npm run screenshots`: runs only the screenshot script (not a test suite). */
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: { include: ["e2e/ui/screenshots.script.ts"], testTimeout: 600_000, hookTimeout: 120_000 },
});
