/**
 * The shipped Prometheus files under Prometheus' own checker: the alert rules parse and pass
 * `promtool check rules`, their unit tests (deploy/prometheus/rules.test.yml) pass
 * `promtool test rules`, and the compose deployment's Prometheus config passes
 * `promtool check config` (which also checks the rule files it loads).
 */
import { execFile } from "node:child_process";
import { dirname } from "node:path";
import { expect, it } from "vitest";
import { describeWith } from "../../src/testing/prerequisites.js";
import { PROMETHEUS_CONFIG, RULES_FILE, RULES_TEST_FILE } from "./deploy-files.js";

function promtool(args: string[], cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile("promtool", args, { cwd, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

describeWith(["promtool"], "deploy/prometheus under promtool", () => {
  it("check rules: every alert rule is valid", async () => {
    const r = await promtool(["check", "rules", RULES_FILE], dirname(RULES_FILE));
    expect(r.output).toMatch(/SUCCESS: \d+ rules found/);
    expect(r.code, r.output).toBe(0);
  });

  it("test rules: the rules' unit tests pass", async () => {
    const r = await promtool(["test", "rules", RULES_TEST_FILE], dirname(RULES_TEST_FILE));
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain("SUCCESS");
  });

  it("check config: the compose deployment's Prometheus config and the rules it loads", async () => {
    const r = await promtool(["check", "config", PROMETHEUS_CONFIG], dirname(PROMETHEUS_CONFIG));
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain("SUCCESS: 1 rule files found");
  });
});
