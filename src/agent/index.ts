/**
 * The agent's data plane, for the daemon: apply a desired state by diff, collect the counters
 * for the status report, keep the state directory. (Enrollment and the controller client live
 * in `agent/client`.)
 */
export { type ApplyOptions, type ApplyResult, applyDesiredState } from "./apply/apply.js";
export { ApplyError, type ApplyErrorCode } from "./apply/errors.js";
export { formatStep } from "./apply/format.js";
export type { PlanStep } from "./apply/plan.js";
export { validateDesiredState } from "./apply/validate.js";
export { CommandFailedError, localRunner, nsenterRunner, type Runner } from "./exec.js";
export { type Identity, openStateDir, type StateDir, StateDirError, writeFileAtomic } from "./state-dir.js";
export { collectStats, type StatusInterface, type StatusInterfaces, type StatusPeer } from "./stats/stats.js";
export type { DeviceKind, PeerSpec, WgBackend } from "./wg/backend.js";
export { WgCliBackend, type WgCliOptions } from "./wg/cli-backend.js";
