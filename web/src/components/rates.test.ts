/** Rates from byte counters. */
import { describe, expect, it } from "vitest";
import { rateBetween, ratesOf } from "./rates";

describe("rateBetween", () => {
  it("is bits per second over the time between the readings", () => {
    expect(
      rateBetween(
        { rxBytes: 1_000, txBytes: 0, at: "2026-12-02T10:00:00Z" },
        { rxBytes: 126_000, txBytes: 25_000, at: "2026-12-02T10:00:04Z" },
      ),
    ).toEqual({ rxBps: 250_000, txBps: 50_000 });
  });

  it("gives none for the same report or a counter that went back (agent restart)", () => {
    const a = { rxBytes: 10, txBytes: 10, at: "2026-12-02T10:00:00Z" };
    expect(rateBetween(a, a)).toBeUndefined();
    expect(rateBetween(a, { rxBytes: 5, txBytes: 20, at: "2026-12-02T10:01:00Z" })).toBeUndefined();
  });

  it("ratesOf drops the intervals with no rate", () => {
    const r = ratesOf([
      { rxBytes: 0, txBytes: 0, at: "2026-12-02T10:00:00Z" },
      { rxBytes: 60, txBytes: 0, at: "2026-12-02T10:01:00Z" },
      { rxBytes: 0, txBytes: 0, at: "2026-12-02T10:02:00Z" },
      { rxBytes: 600, txBytes: 60, at: "2026-12-02T10:03:00Z" },
    ]);
    expect(r).toEqual([
      { rxBps: 8, txBps: 0, at: "2026-12-02T10:01:00Z" },
      { rxBps: 80, txBps: 8, at: "2026-12-02T10:03:00Z" },
    ]);
  });
});
