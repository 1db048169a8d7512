import { describe, expect, it } from "vitest";
import { lineDiff } from "./line-diff.js";

describe("lineDiff", () => {
  it("shows only the lines that differ, each run under the line it starts at", () => {
    const before = "table inet hubwire {\n  a accept\n  b accept\n  c drop\n}\n";
    const after = "table inet hubwire {\n  a accept\n  b2 accept\n  c drop\n  d drop\n}\n";
    expect(lineDiff(before, after)).toEqual([
      "@@ line 3",
      "-   b accept",
      "+   b2 accept",
      "@@ line 5",
      "+   d drop",
    ]);
  });

  it("is empty for equal texts and all additions from nothing", () => {
    expect(lineDiff("x\ny\n", "x\ny\n")).toEqual([]);
    expect(lineDiff("", "x\ny\n")).toEqual(["@@ line 1", "+ x", "+ y"]);
    expect(lineDiff("x\n", "")).toEqual(["@@ line 1", "- x"]);
  });
});
