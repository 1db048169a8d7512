/**
 * Probes one link: a long-running `ping` to the remote hub's tunnel address (routed through the
 * link by its pinned route, see routes.ts), one echo per interval. ICMP is answered by the hub's
 * kernel, so a hub whose agent is down but whose data plane forwards still counts as up (fail
 * static), and one process per link costs far less than one per probe. `-O` makes ping report
 * each unanswered echo when it sends the next; a watchdog counts a miss for every interval with
 * no outcome at all (ping restarting, or send errors without a sequence number).
 */
import type { Runner, Watched } from "../exec.js";
import type { ProbeOutcome } from "./link-health.js";

const REPLY = /icmp_seq=(\d+)\b.*\btime=([\d.]+) ms/;
const NO_ANSWER = /no answer yet for icmp_seq=(\d+)/;
const ERROR_WITH_SEQ = /icmp_seq=(\d+)\b.*(Unreachable|Time to live exceeded|Redirect)/i;

/** Parses one line of `ping -n -O`; undefined for lines that say nothing about one echo. */
export function parsePingLine(line: string): { seq: number; outcome: ProbeOutcome } | undefined {
  const error = ERROR_WITH_SEQ.exec(line);
  if (error) return { seq: Number(error[1]), outcome: { answered: false } };
  const reply = REPLY.exec(line);
  if (reply) return { seq: Number(reply[1]), outcome: { answered: true, rttMs: Number(reply[2]) } };
  const none = NO_ANSWER.exec(line);
  if (none) return { seq: Number(none[1]), outcome: { answered: false } };
  return undefined;
}

/** How long one `ping` runs before it is started again, seconds. */
const PING_RUN_SECONDS = 300;

export interface ProberOptions {
  readonly runner: Runner;
  readonly address: string;
  readonly intervalMs: number;
  readonly onOutcome: (outcome: ProbeOutcome) => void;
  readonly now?: () => number;
}

export interface Prober {
  stop(): void;
}

export function startProber(o: ProberOptions): Prober {
  const now = o.now ?? Date.now;
  let stopped = false;
  let child: Watched | undefined;
  let lastOutcome = now();
  // Per ping run: sequence numbers already counted (a late reply after "no answer yet" is not a second outcome).
  let seen = new Set<number>();
  const record = (outcome: ProbeOutcome) => {
    lastOutcome = now();
    o.onOutcome(outcome);
  };
  const seconds = (o.intervalMs / 1000).toFixed(3);
  const launch = () => {
    if (stopped) return;
    seen = new Set();
    const family = o.address.includes(":") ? "-6" : "-4";
    // `-w`: ping ends itself and is started again, so one orphaned by a kill -9 of the agent
    // does not outlive it by long.
    const args = [family, "-n", "-O", "-i", seconds, "-W", "1", "-w", String(PING_RUN_SECONDS), o.address];
    child = o.runner.watch("ping", args, (line) => {
      const parsed = parsePingLine(line);
      if (!parsed || seen.has(parsed.seq)) return;
      seen.add(parsed.seq);
      if (seen.size > 4096) seen = new Set([parsed.seq]);
      record(parsed.outcome);
    });
    void child.exited.then(() => {
      if (!stopped) setTimeout(launch, o.intervalMs).unref();
    });
  };
  const watchdog = setInterval(() => {
    if (now() - lastOutcome >= 1.5 * o.intervalMs) record({ answered: false });
  }, o.intervalMs);
  watchdog.unref();
  launch();
  return {
    stop() {
      stopped = true;
      clearInterval(watchdog);
      child?.stop();
    },
  };
}
