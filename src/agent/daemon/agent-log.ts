/** What every part of the daemon shares: where it logs, and how it says the node cannot go on. */

/** Where the daemon writes its log lines (pino-shaped: an object, then a message). */
export interface AgentLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Thrown when the node cannot go on: rejected, revoked, or missing what it needs to enroll. */
export class AgentStopped extends Error {
  override readonly name = "AgentStopped";
}
