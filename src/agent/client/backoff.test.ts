import { describe, expect, it } from "vitest";
import { backoffDelay, sleep } from "./backoff.js";

describe("backoffDelay", () => {
  it("draws uniformly below a cap that doubles from the initial delay up to the maximum", () => {
    const top = { random: () => 0.999999 };
    const caps = [0, 1, 2, 3, 10, 100].map((n) =>
      Math.round(backoffDelay(n, { initialMs: 100, maxMs: 1000, ...top })),
    );
    expect(caps).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(backoffDelay(5, { random: () => 0 })).toBe(0);
    // Defaults: 0.5 s doubling to 30 s.
    expect(Math.round(backoffDelay(0, top))).toBe(500);
    expect(Math.round(backoffDelay(20, top))).toBe(30_000);
  });

  it("spreads retries (full jitter, not a fixed delay)", () => {
    const delays = Array.from({ length: 200 }, () => backoffDelay(3, { initialMs: 100 }));
    expect(Math.min(...delays)).toBeLessThan(200);
    expect(Math.max(...delays)).toBeGreaterThan(600);
    expect(Math.max(...delays)).toBeLessThan(800);
  });
});

describe("sleep", () => {
  it("rejects with the signal's reason when aborted", async () => {
    const ac = new AbortController();
    const slept = sleep(10_000, ac.signal);
    ac.abort(new Error("stop"));
    await expect(slept).rejects.toThrow("stop");
    await expect(sleep(1, ac.signal)).rejects.toThrow("stop");
    await sleep(1);
  });
});
