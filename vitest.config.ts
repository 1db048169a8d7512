import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "e2e/**/*.test.ts", "web/src/**/*.test.ts"],
    // Data-plane tests create namespaces and wireguard-go devices; keep files serial
    // there, and let unit tests use both cores.
    fileParallelism: true,
    testTimeout: 30_000,
    reporters: ["default"],
  },
});
