/**
 * The agent wire schema (model/desired-state.ts) against what the compiler really produces: every
 * state it compiles must parse, unchanged, so an agent never refuses a state its controller made.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseDesiredState } from "../model/index.js";
import { buildIntent } from "../testing/topology.js";
import { compile } from "./compile.js";

const GOLDEN = join(import.meta.dirname, "testdata/golden");

describe("desiredStateSchema accepts every compiled state", () => {
  const golden = readdirSync(GOLDEN).flatMap((set) =>
    readdirSync(join(GOLDEN, set)).map((node) => join(GOLDEN, set, node, `${node}.json`)),
  );

  it.each(golden)("golden %s", (file) => {
    const text = readFileSync(file, "utf8");
    expect(parseDesiredState(text)).toEqual(JSON.parse(text));
  });

  it("a synthetic network of 3 hubs and 200 spokes, with and without a deny default", () => {
    for (const defaultAction of ["deny", "allow"] as const) {
      const { intent } = buildIntent({ hubs: 3, spokes: 200, defaultAction });
      const result = compile(intent);
      if (!result.ok) throw new Error(JSON.stringify(result.issues));
      for (const state of result.states.values()) {
        const text = JSON.stringify(state);
        expect(parseDesiredState(text), state.node).toEqual(JSON.parse(text));
      }
    }
  });
});
