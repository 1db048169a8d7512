/**
 * Each node's current desired-state revision (the fingerprint in `DesiredState.revision`), when
 * this replica learned it, and the long polls waiting for it to change. A change wakes exactly the
 * waiters of the nodes whose revision moved; nothing else is touched. A change of thousands of
 * nodes wakes them in slices, one turn of the event loop each, so that the answers they send do not
 * hold the loop for the whole batch (health checks, API requests and other polls keep being served
 * in between).
 */
import type { DesiredState } from "../../model/index.js";

/** A node's revision and when it became current (milliseconds since the epoch). */
export interface NodeRevision {
  readonly revision: string;
  readonly since: number;
  /** Whether the node has reported applying it (its propagation time is then recorded). */
  applied: boolean;
}

/** Nodes woken per turn of the event loop; each woken poll builds and writes its answer. */
export const WAKE_SLICE = 200;

/** Why a wait ended. */
export type WaitResult = "changed" | "timeout" | "aborted";

export class NodeRevisions {
  private readonly current = new Map<string, NodeRevision>();
  private readonly waiters = new Map<string, Set<(result: WaitResult) => void>>();
  private waitingCount = 0;

  /**
   * Takes the states of a new snapshot at time `at`. `only`: just these nodes can have changed (a
   * local commit says which); undefined: compare every node. Wakes and returns the changed nodes.
   */
  update(
    states: ReadonlyMap<string, DesiredState>,
    only: readonly string[] | undefined,
    at: number,
  ): string[] {
    const candidates = only ?? new Set([...this.current.keys(), ...states.keys()]);
    const changed: string[] = [];
    for (const node of candidates) {
      const next = states.get(node)?.revision;
      const prev = this.current.get(node)?.revision;
      if (next === prev) continue;
      if (next === undefined) this.current.delete(node);
      else this.current.set(node, { revision: next, since: at, applied: false });
      changed.push(node);
    }
    this.wakeInSlices(changed);
    return changed;
  }

  /** The node's current revision; undefined when it is not in the compiled intent. */
  get(node: string): NodeRevision | undefined {
    return this.current.get(node);
  }

  /** Long polls waiting now. */
  get waiting(): number {
    return this.waitingCount;
  }

  /** Resolves when `node`'s revision changes, after `ms`, or when `signal` aborts. */
  wait(node: string, ms: number, signal?: AbortSignal): Promise<WaitResult> {
    if (signal?.aborted) return Promise.resolve("aborted");
    return new Promise((resolve) => {
      let set = this.waiters.get(node);
      if (!set) {
        set = new Set();
        this.waiters.set(node, set);
      }
      const finish = (result: WaitResult) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        const s = this.waiters.get(node);
        if (s?.delete(wake)) {
          this.waitingCount--;
          if (s.size === 0) this.waiters.delete(node);
        }
        resolve(result);
      };
      const wake = (result: WaitResult) => finish(result);
      const onAbort = () => finish("aborted");
      const timer = setTimeout(() => finish("timeout"), ms);
      signal?.addEventListener("abort", onAbort, { once: true });
      set.add(wake);
      this.waitingCount++;
    });
  }

  /** Ends every wait now ("aborted"): the server is shutting down and must not hold requests. */
  releaseAll(): void {
    for (const set of [...this.waiters.values()]) for (const end of [...set]) end("aborted");
  }

  /** Wakes `node`'s waiting polls though its revision did not move (a held delivery was confirmed). */
  nudge(node: string): void {
    this.wake(node);
  }

  /**
   * The first slice is woken now, the rest on later turns (`setImmediate`): the answers of one
   * slice are written before the next is woken. A node whose revision moves again meanwhile is
   * woken by that update too; waking it twice is harmless (its poll re-reads its revision).
   */
  private wakeInSlices(nodes: readonly string[]): void {
    let i = 0;
    const step = () => {
      const end = Math.min(nodes.length, i + WAKE_SLICE);
      for (; i < end; i++) this.wake(nodes[i]!);
      if (i < nodes.length) setImmediate(step);
    };
    step();
  }

  private wake(node: string): void {
    const set = this.waiters.get(node);
    if (!set) return;
    for (const end of [...set]) end("changed");
  }
}
