/**
 * One hub link's health from its probes: down after a few unanswered probes in a row, up again
 * only after it has answered every probe for the hold-down time — so a lossy link goes down once
 * and stays down instead of flapping. Pure: probe outcomes and times come in, a state comes out.
 */

/** Failover's timers (CLI: `--probe-interval`, `--probe-misses`, `--hold-down`). */
export interface FailoverTimers {
  /** Between two probes on a link, ms. */
  readonly intervalMs: number;
  /** Unanswered probes in a row after which a link is down. */
  readonly misses: number;
  /** How long a down link must answer every probe before it carries routes again, ms. */
  readonly holdDownMs: number;
  /** Probes kept for the round-trip and loss figures. */
  readonly window: number;
}

export const DEFAULT_TIMERS: FailoverTimers = {
  intervalMs: 1_000,
  misses: 3,
  holdDownMs: 30_000,
  window: 30,
};

/** WireGuard gives up on a session after 180 s without a handshake: older than that, a link is dead. */
export const STALE_HANDSHAKE_SECONDS = 180;

/** Unanswered probes in a row that take down a link that has never answered. */
export const STARTUP_MISSES = 10;

export type ProbeOutcome = { readonly answered: true; readonly rttMs: number } | { readonly answered: false };

export type LinkState = "up" | "down";

export class LinkHealth {
  /** Assumed up until probes say otherwise: a restarted agent leaves a working data plane alone. */
  state: LinkState = "up";
  /** When the state last changed (ms); null: not since the health was made. */
  since: number | null = null;
  /** Why the state last changed, for the log. */
  reason = "";
  sent = 0;
  lost = 0;
  /** Whether any probe was answered yet: until then a hub may simply not know this node yet. */
  private everAnswered = false;
  private missesInRow = 0;
  /** Since when every probe was answered; null: the last one was not. */
  private answeringFrom: number | null = null;
  private readonly recent: ProbeOutcome[] = [];

  constructor(private readonly timers: FailoverTimers) {}

  /**
   * Takes one probe's outcome at `now` (ms); true when the state changed. `misses` overrides the
   * timers' count (backup uplinks are given more, see monitor.ts).
   */
  observe(outcome: ProbeOutcome, now: number, missesDown = this.timers.misses): boolean {
    this.sent++;
    this.recent.push(outcome);
    if (this.recent.length > this.timers.window) this.recent.shift();
    if (outcome.answered) {
      this.missesInRow = 0;
      this.everAnswered = true;
      this.answeringFrom ??= now;
    } else {
      this.lost++;
      this.missesInRow++;
      this.answeringFrom = null;
    }
    // A link that never answered gets a longer start (a new node's hubs learn of it through the
    // controller first); one that has answered goes down after `misses`.
    const misses = this.everAnswered ? missesDown : Math.max(missesDown, STARTUP_MISSES);
    if (this.state === "up" && this.missesInRow >= misses)
      return this.move("down", now, `${this.missesInRow} probes in a row unanswered`);
    if (
      this.state === "down" &&
      this.answeringSince !== null &&
      now - this.answeringSince >= this.timers.holdDownMs
    )
      return this.move(
        "up",
        now,
        `answered every probe for ${Math.round((now - this.answeringSince) / 1000)} s`,
      );
    return false;
  }

  /** Down, but answering every probe since this time (ms); null otherwise. */
  get answeringSince(): number | null {
    return this.state === "down" ? this.answeringFrom : null;
  }

  /** The second signal: no handshake for longer than WireGuard keeps a session. */
  handshakeStale(now: number): boolean {
    this.answeringFrom = null;
    return this.state === "up" ? this.move("down", now, "handshake older than 180 s") : false;
  }

  /** Median round trip of the answered probes in the window, ms; null when none was answered. */
  rttMs(): number | null {
    const rtts = this.recent.flatMap((o) => (o.answered ? [o.rttMs] : [])).sort((a, b) => a - b);
    if (rtts.length === 0) return null;
    const mid = rtts.length >> 1;
    return rtts.length % 2 ? rtts[mid]! : (rtts[mid - 1]! + rtts[mid]!) / 2;
  }

  /** Share of the window's probes that went unanswered (0 with no probes yet). */
  loss(): number {
    if (this.recent.length === 0) return 0;
    return this.recent.filter((o) => !o.answered).length / this.recent.length;
  }

  private move(state: LinkState, now: number, reason: string): true {
    this.state = state;
    this.since = now;
    this.reason = reason;
    return true;
  }
}
