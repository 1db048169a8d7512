/**
 * Typed apply failures with stable codes, so the daemon can report them to the controller
 * (`applyError`) and an operator can tell "install wireguard-go" from "a route was refused".
 */
import type { LiveState, PlanStep } from "./plan.js";

/** Stable codes of {@link ApplyError}. */
export type ApplyErrorCode =
  /** A command or module the plan needs is not there; nothing was changed. */
  | "prerequisite-missing"
  /** A step failed part-way; steps before it were applied, the live state was re-read. */
  | "step-failed"
  /** The desired state has a value its field may not hold; nothing was changed. */
  | "invalid-desired-state"
  /** The live state could not be read; nothing was changed. */
  | "read-failed";

/** Why an apply stopped; `done` steps ran, `step` failed, `live` is the state read afterwards. */
export class ApplyError extends Error {
  constructor(
    readonly code: ApplyErrorCode,
    message: string,
    readonly details: {
      readonly step?: PlanStep;
      readonly done?: readonly PlanStep[];
      readonly live?: LiveState;
      readonly cause?: unknown;
    } = {},
  ) {
    super(message);
    this.name = "ApplyError";
  }
}
