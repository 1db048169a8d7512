/**
 * One forked process of simulated agents (propagation-agents.ts) seen from the benchmark: its
 * messages queued by type, and the requests it understands (watch, report).
 */
import { type ChildProcess, fork } from "node:child_process";
import { join } from "node:path";

interface AgentsMessage {
  readonly type: string;
  readonly at?: number[];
  readonly ms?: number;
}

export class AgentsProcess {
  readonly nodes: ReadonlySet<string>;
  private readonly child: ChildProcess;
  private readonly queued: AgentsMessage[] = [];
  private waiter: (() => void) | undefined;
  private readonly exited: Promise<never>;

  /** `credentialsFile` holds `[{node, credential}]` for exactly `nodes`. */
  constructor(url: string, credentialsFile: string, nodes: readonly string[]) {
    this.nodes = new Set(nodes);
    this.child = fork(join(import.meta.dirname, "propagation-agents.js"), [url, credentialsFile], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    this.child.on("message", (m) => {
      this.queued.push(m as AgentsMessage);
      this.waiter?.();
    });
    this.exited = new Promise<never>((_, reject) =>
      this.child.once("exit", (code) => reject(new Error(`an agents process exited (${code})`))),
    );
    this.exited.catch(() => {}); // observed by message(); a kill at the end is not an error
  }

  /** The first queued message of `type`, taken off the queue (waits for it). */
  message(type: string): Promise<AgentsMessage> {
    return Promise.race([
      this.exited,
      new Promise<AgentsMessage>((resolve) => {
        const look = () => {
          const at = this.queued.findIndex((m) => m.type === type);
          if (at >= 0) resolve(this.queued.splice(at, 1)[0]!);
        };
        this.waiter = look;
        look();
      }),
    ]);
  }

  /** Starts watching `nodes` (all of this process's when absent); resolves once it is watching. */
  async watch(nodes?: string[]): Promise<void> {
    this.child.send({ type: "watch", nodes });
    await this.message("watching");
  }

  /** The first `count` agents each send one status report; resolves with the time it took, ms. */
  async report(count: number): Promise<number> {
    this.child.send({ type: "report", count });
    return (await this.message("reported")).ms!;
  }

  kill(): void {
    this.child.kill();
  }
}
