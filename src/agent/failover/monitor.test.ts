import { afterEach, describe, expect, it } from "vitest";
import type { Runner } from "../exec.js";
import { twoHubSpoke } from "../testing/two-hub-spoke.js";
import { FailoverMonitor, type LinkChange } from "./monitor.js";

/** A runner whose `ping` prints what the test says, per probed address. */
function pingScript() {
  const lines = new Map<string, (line: string) => void>();
  const runner: Runner = {
    run: () => Promise.reject(new Error("not used")),
    daemon: () => Promise.reject(new Error("not used")),
    has: () => true,
    watch(_cmd, args, onLine) {
      lines.set(args[args.length - 1]!, onLine);
      return { exited: new Promise(() => {}), stop() {} };
    },
  };
  const seq = new Map<string, number>();
  const say = (address: string, answered: boolean) => {
    const n = (seq.get(address) ?? 0) + 1;
    seq.set(address, n);
    lines.get(address)!(
      answered
        ? `64 bytes from ${address}: icmp_seq=${n} ttl=64 time=0.5 ms`
        : `no answer yet for icmp_seq=${n}`,
    );
  };
  return { runner, say };
}

const spoke = twoHubSpoke;

describe("FailoverMonitor", () => {
  let running: FailoverMonitor | undefined;
  afterEach(() => running?.stop());

  /** A monitor of the two-hub spoke after `misses` misses, its clock at 0 and both hubs answered once. */
  function tracking(misses: number) {
    const { runner, say } = pingScript();
    const changes: LinkChange[] = [];
    let t = 0;
    const monitor = new FailoverMonitor({
      runner,
      timers: { intervalMs: 1000, misses, holdDownMs: 5000, window: 10 },
      onChange: (c) => changes.push(c),
      now: () => t,
    });
    running = monitor;
    monitor.track(spoke);
    for (const a of ["10.100.0.1", "10.100.0.2"]) say(a, true);
    /** One probe interval passes. */
    const tick = () => {
      t += 1000;
    };
    return { monitor, say, changes, tick };
  }

  it("takes the preferred uplink down after 3 misses, a backup only after 6", () => {
    const { monitor, say, changes, tick } = tracking(3);
    for (let i = 0; i < 3; i++) {
      tick();
      say("10.100.0.1", false);
      say("10.100.0.2", false);
    }
    expect([...monitor.down()]).toEqual(["hw_lab_hub-1"]);
    for (let i = 0; i < 3; i++) {
      tick();
      say("10.100.0.2", false);
    }
    expect(changes.map((c) => `${c.iface} ${c.state}`)).toEqual(["hw_lab_hub-1 down", "hw_lab_hub-2 down"]);
    expect(monitor.reports().map((r) => [r.interface, r.state, r.loss])).toEqual([
      ["hw_lab_hub-1", "down", 0.75],
      ["hw_lab_hub-2", "down", 6 / 7],
    ]);
  });

  it("with every uplink down, uses the first that answers again at once, and only that one", () => {
    const { monitor, say, changes, tick } = tracking(1);
    tick();
    say("10.100.0.1", false);
    say("10.100.0.2", false);
    say("10.100.0.2", false);
    expect(monitor.down().size).toBe(2);
    tick();
    say("10.100.0.2", true);
    expect([...monitor.down()]).toEqual(["hw_lab_hub-1"]);
    expect(changes.at(-1)).toMatchObject({ iface: "hw_lab_hub-2", state: "up" });
    tick();
    say("10.100.0.1", true);
    // hub-1 answers too, but hub-2 carries the routes until hub-1 has held for the hold-down.
    expect([...monitor.down()]).toEqual(["hw_lab_hub-1"]);
    for (let i = 0; i < 5; i++) {
      tick();
      say("10.100.0.1", true);
      say("10.100.0.2", true);
    }
    expect(monitor.down().size).toBe(0);
  });
});
