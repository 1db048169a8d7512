/**
 * Traffic rates from byte counters: the difference of two readings over the time between them,
 * in bits per second. Pure; the hook keeps the previous reading of each key between polls.
 */
import { useRef } from "react";

export interface Reading {
  readonly rxBytes: number;
  readonly txBytes: number;
  /** When the counters were read (the report's time), RFC 3339. */
  readonly at: string;
}

export interface Rate {
  readonly rxBps: number;
  readonly txBps: number;
}

/** bit/s between two readings; undefined when they are the same report or a counter went back (agent restart). */
export function rateBetween(before: Reading, after: Reading): Rate | undefined {
  const seconds = (Date.parse(after.at) - Date.parse(before.at)) / 1000;
  if (!(seconds > 0)) return undefined;
  const rx = after.rxBytes - before.rxBytes;
  const tx = after.txBytes - before.txBytes;
  if (rx < 0 || tx < 0) return undefined;
  return { rxBps: (rx * 8) / seconds, txBps: (tx * 8) / seconds };
}

/** Per-interval rates of a series of readings (oldest first): one fewer than readings, gaps dropped. */
export function ratesOf(readings: readonly Reading[]): Array<Rate & { at: string }> {
  const out: Array<Rate & { at: string }> = [];
  for (let i = 1; i < readings.length; i++) {
    const r = rateBetween(readings[i - 1]!, readings[i]!);
    if (r) out.push({ ...r, at: readings[i]!.at });
  }
  return out;
}

/**
 * The latest rate of each key from the readings seen so far: call with every poll's readings; a
 * key's rate is kept until a newer report gives a new one.
 */
export function useRates(readings: ReadonlyMap<string, Reading>): ReadonlyMap<string, Rate> {
  const last = useRef(new Map<string, Reading>());
  const rates = useRef(new Map<string, Rate>());
  for (const [key, now] of readings) {
    const before = last.current.get(key);
    if (before && before.at !== now.at) {
      const r = rateBetween(before, now);
      if (r) rates.current.set(key, r);
      else rates.current.delete(key);
    }
    if (!before || before.at !== now.at) last.current.set(key, now);
  }
  return rates.current;
}
