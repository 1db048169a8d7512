import { describe, expect, it } from "vitest";
import { checkPrerequisites, isCi, type Prerequisite, planSuite, systemProbe } from "./prerequisites.js";

const probeMissing =
  (whys: Partial<Record<Prerequisite, string>>) =>
  (name: Prerequisite): string | undefined =>
    whys[name];

describe("checkPrerequisites", () => {
  it("is ok when every probe answers present", () => {
    expect(checkPrerequisites(["root", "wg"], probeMissing({}))).toEqual({ ok: true });
  });

  it("is ok for an empty list", () => {
    expect(checkPrerequisites([], probeMissing({ root: "no" }))).toEqual({ ok: true });
  });

  it("lists every missing prerequisite once, in order, with all reasons", () => {
    const r = checkPrerequisites(
      ["root", "wg", "wireguard-go", "root"],
      probeMissing({
        root: "running as uid 1000, not root",
        "wireguard-go": "wireguard-go not found on PATH",
      }),
    );
    expect(r).toEqual({
      ok: false,
      missing: ["root", "wireguard-go"],
      reason: "running as uid 1000, not root; wireguard-go not found on PATH",
    });
  });
});

describe("isCi", () => {
  it.each([
    [{ CI: "true" }, true],
    [{ CI: "1" }, true],
    [{ CI: "yes" }, true],
    [{ CI: "" }, false],
    [{ CI: "false" }, false],
    [{ CI: "0" }, false],
    [{}, false],
  ])("%o → %s", (env, expected) => {
    expect(isCi(env)).toBe(expected);
  });
});

describe("planSuite", () => {
  const missing = { ok: false as const, missing: ["root" as const], reason: "running as uid 1000, not root" };

  it("runs when everything is present, CI or not", () => {
    expect(planSuite("t", { ok: true }, {})).toEqual({ action: "run" });
    expect(planSuite("t", { ok: true }, { CI: "true" })).toEqual({ action: "run" });
  });

  it("skips loudly outside CI, naming what and why", () => {
    expect(planSuite("tunnel", missing, {})).toEqual({
      action: "skip",
      line: "SKIP tunnel: needs root (running as uid 1000, not root)",
    });
  });

  it("fails under CI, naming what is missing", () => {
    const plan = planSuite("tunnel", missing, { CI: "true" });
    expect(plan.action).toBe("fail");
    expect(plan.action === "fail" && plan.message).toContain("needs root (running as uid 1000, not root)");
  });
});

describe("systemProbe", () => {
  it("reports a command that is not on PATH", () => {
    const saved = process.env.PATH;
    process.env.PATH = "/nonexistent-hubwire-test";
    try {
      expect(systemProbe("wg")).toBe("wg not found on PATH");
    } finally {
      process.env.PATH = saved;
    }
  });
});
