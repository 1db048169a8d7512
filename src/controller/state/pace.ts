/**
 * Long loops in one request (the documents of a 16 MiB body, thousands of row
 * writes) hand the event loop back every few milliseconds, so that health
 * checks, long polls and enrollment keep being answered during them.
 */
import { setImmediate as nextTurn } from "node:timers/promises";

/** Work done between two turns of the event loop. */
const SLICE_MS = 8;

/** Call `tick()` between steps of a long loop: it yields once a slice of time has passed. */
export class Pacer {
  private sliceStart = performance.now();

  async tick(): Promise<void> {
    if (performance.now() - this.sliceStart < SLICE_MS) return;
    await nextTurn();
    this.sliceStart = performance.now();
  }
}

/** Runs `step` on each item of `items` (stopping when it returns false), pacing itself. */
export async function paced<T>(items: Iterable<T>, step: (item: T) => boolean): Promise<void> {
  const pacer = new Pacer();
  for (const item of items) {
    if (!step(item)) return;
    await pacer.tick();
  }
}
