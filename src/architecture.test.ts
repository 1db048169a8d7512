/**
 * Guards the pure modules against what an import check cannot see: clocks,
 * randomness, environment, timers and console output. (Imports themselves are
 * checked by dependency-cruiser, `npm run depcheck`.)
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const PURE = ["model", "netaddr", "compile", "wgconf"];
const FORBIDDEN: Array<[RegExp, string]> = [
  [/\bDate\.now\b|\bnew Date\(/, "reads the clock"],
  [/\bperformance\.now\b/, "reads the clock"],
  [/\bMath\.random\b|\brandomBytes\b|\brandomUUID\b|\bgetRandomValues\b/, "uses randomness"],
  [/\bprocess\./, "reads the process environment"],
  [/\bsetTimeout\b|\bsetInterval\b|\bsetImmediate\b/, "uses timers"],
  [/\bconsole\./, "writes to the console"],
  [/\bfetch\(/, "does network I/O"],
];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = join(dir, e.name);
    if (e.isDirectory()) return e.name === "testdata" ? [] : sources(full);
    return e.name.endsWith(".ts") && !e.name.endsWith(".test.ts") ? [full] : [];
  });
}

describe("pure modules", () => {
  for (const mod of PURE) {
    it(`${mod} has no clock, randomness, environment, timers or console`, () => {
      const found: string[] = [];
      for (const file of sources(join(import.meta.dirname, mod))) {
        readFileSync(file, "utf8")
          .split("\n")
          .forEach((line, i) => {
            if (/^\s*(\/\/|\*|\/\*)/.test(line)) return;
            for (const [pattern, why] of FORBIDDEN)
              if (pattern.test(line)) found.push(`${file}:${i + 1} ${why}`);
          });
      }
      expect(found).toEqual([]);
    });
  }
});
