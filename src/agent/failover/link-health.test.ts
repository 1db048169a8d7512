import { describe, expect, it } from "vitest";
import { LinkHealth, type ProbeOutcome, STARTUP_MISSES } from "./link-health.js";

const timers = { intervalMs: 1000, misses: 3, holdDownMs: 10_000, window: 10 };
const ok: ProbeOutcome = { answered: true, rttMs: 1 };
const lost: ProbeOutcome = { answered: false };

/** Feeds one outcome per second from t=0; returns the times at which the state changed. */
function feed(h: LinkHealth, outcomes: readonly ProbeOutcome[]): Array<[number, string]> {
  const changes: Array<[number, string]> = [];
  outcomes.forEach((o, i) => {
    if (h.observe(o, i * 1000)) changes.push([i * 1000, h.state]);
  });
  return changes;
}

describe("LinkHealth", () => {
  it("is up until probes say otherwise, and goes down after `misses` unanswered probes in a row", () => {
    const h = new LinkHealth(timers);
    expect(h.state).toBe("up");
    expect(feed(h, [ok, lost, lost, ok, lost, lost, lost])).toEqual([[6000, "down"]]);
    expect(h.reason).toBe("3 probes in a row unanswered");
  });

  it("comes back only after answering every probe for the hold-down time", () => {
    const h = new LinkHealth(timers);
    const answersFor = (n: number) => Array.from({ length: n }, () => ok);
    // down at 3 s; answers from 4 s; one loss at 9 s restarts the hold-down; up 10 s after 10 s.
    const changes = feed(h, [ok, lost, lost, lost, ...answersFor(5), lost, ...answersFor(11)]);
    expect(changes).toEqual([
      [3000, "down"],
      [20_000, "up"],
    ]);
    expect(h.answeringSince).toBeNull();
  });

  it("says since when a down link answers every probe", () => {
    const h = new LinkHealth(timers);
    feed(h, [ok, lost, lost, lost, ok, ok]);
    expect([h.state, h.answeringSince]).toEqual(["down", 4000]);
  });

  it("takes the count of misses it is given (backup links get more)", () => {
    const h = new LinkHealth(timers);
    expect(h.observe(ok, 0)).toBe(false);
    for (let t = 1; t <= 5; t++) expect(h.observe(lost, t * 1000, 6)).toBe(false);
    expect(h.observe(lost, 6000, 6)).toBe(true);
  });

  it("gives a link that never answered a longer start before it is down", () => {
    const h = new LinkHealth(timers);
    const changes = feed(
      h,
      Array.from({ length: STARTUP_MISSES }, () => lost),
    );
    expect(changes).toEqual([[(STARTUP_MISSES - 1) * 1000, "down"]]);
  });

  it("does not flap on a lossy link: 30% loss moves it at most once each way per hold-down period", () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const outcomes = Array.from({ length: 600 }, () => (random() < 0.3 ? lost : ok));
    const changes = feed(new LinkHealth(timers), outcomes);
    expect(changes[0]?.[1]).toBe("down");
    // Every return follows a whole hold-down of answered probes, so two moves the same way are
    // always more than a hold-down apart.
    for (let i = 2; i < changes.length; i++)
      expect(changes[i]![0] - changes[i - 2]![0]).toBeGreaterThan(timers.holdDownMs);
    for (let i = 1; i < changes.length; i += 2)
      expect(changes[i]![0] - changes[i - 1]![0]).toBeGreaterThanOrEqual(timers.holdDownMs);
  });

  it("gives the median round trip and the loss of its window", () => {
    const h = new LinkHealth({ ...timers, window: 4 });
    feed(h, [
      { answered: true, rttMs: 9 },
      { answered: true, rttMs: 1 },
      lost,
      { answered: true, rttMs: 3 },
      { answered: true, rttMs: 2 },
    ]);
    expect(h.rttMs()).toBe(2);
    expect(h.loss()).toBe(0.25);
    expect([h.sent, h.lost]).toEqual([5, 1]);
  });

  it("a stale handshake takes an up link down and restarts the hold-down", () => {
    const h = new LinkHealth(timers);
    expect(h.handshakeStale(0)).toBe(true);
    expect(h.state).toBe("down");
    expect(h.handshakeStale(1)).toBe(false);
  });
});
