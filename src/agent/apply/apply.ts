/**
 * `applyDesiredState`: read the live state, plan, log the plan, run it. The same desired state
 * applied twice plans nothing the second time and runs no mutating command.
 */
import type { DesiredState } from "../../model/index.js";
import { localRunner, type Runner } from "../exec.js";
import type { WgBackend } from "../wg/backend.js";
import { WgCliBackend } from "../wg/cli-backend.js";
import { WgUapiBackend } from "../wg/uapi-backend.js";
import { ApplyError } from "./errors.js";
import { executePlan } from "./execute.js";
import { readLiveState } from "./live.js";
import { NftSession } from "./nft-session.js";
import { type LiveState, type PlanStep, planApply } from "./plan.js";
import { validateDesiredState } from "./validate.js";

/** Options of {@link applyDesiredState}. */
export interface ApplyOptions {
  /** The 0600 file with this node's private key (see `StateDir.identity()`). */
  readonly privateKeyFile: string;
  /** Its public key. */
  readonly publicKey: string;
  /** Where commands run; default this machine. */
  readonly runner?: Runner;
  /**
   * Default: on this machine (no `runner` given) wireguard-go's UAPI socket, falling back to the
   * `wg` CLI per device without one (logged); with a `runner`, the `wg` CLI over it, since the
   * sockets of another host are not at this machine's `/var/run/wireguard`.
   */
  readonly backend?: WgBackend;
  /**
   * Preshared keys by `presharedKeyRef`; a promise (a fetch from the controller) is awaited after
   * the live state is read, so the two overlap. A rejected one fails the apply before any step.
   */
  readonly presharedKeys?: ReadonlyMap<string, string> | Promise<ReadonlyMap<string, string>>;
  /** The desired state applied last, if any (endpoint roaming, see `PlanContext.previous`). */
  readonly previous?: DesiredState;
  /** Receives one line per planned step, or one "no changes" line. Default: silent. */
  readonly log?: (line: string) => void;
}

/** What an apply did. */
export interface ApplyResult {
  /** The steps planned (and run); empty when the machine already matched. */
  readonly plan: readonly PlanStep[];
  readonly changed: boolean;
}

/**
 * Makes the machine match `desired`. Throws {@link ApplyError}: `invalid-desired-state`,
 * `read-failed` or `prerequisite-missing` with nothing changed; `step-failed` after re-reading the live state
 * (in `details.live`) so the caller knows what is really there. Calls for the same machine
 * (the same `runner`, or none) run one after another, never interleaved.
 */
export function applyDesiredState(desired: DesiredState, opts: ApplyOptions): Promise<ApplyResult> {
  // One apply at a time per machine: a long-poll answer arriving during a periodic
  // reconciliation must not interleave its steps with it (both would plan from the same read).
  const key = opts.runner ?? THIS_MACHINE;
  const before = running.get(key) ?? Promise.resolve();
  const result = before.then(() => applyNow(desired, opts));
  const settled = result.then(
    () => {},
    () => {},
  );
  running.set(key, settled);
  void settled.then(() => {
    if (running.get(key) === settled) running.delete(key);
  });
  return result;
}

const THIS_MACHINE = {};

/**
 * One per process for this machine, so its one-time fallback lines are logged once, into the
 * log of the apply that hit them.
 */
let localBackend: WgBackend | undefined;
let localLog: (line: string) => void = () => {};
function defaultBackend(opts: ApplyOptions): WgBackend {
  if (opts.runner !== undefined) return new WgCliBackend(opts.runner);
  localLog = opts.log ?? ((line) => console.error(line));
  localBackend ??= new WgUapiBackend(localRunner(), { log: (line) => localLog(line) });
  return localBackend;
}
const running = new WeakMap<object, Promise<void>>();

/** Throws `invalid-desired-state` when there are problems. */
function refuseInvalid(problems: readonly string[]): void {
  if (problems.length > 0)
    throw new ApplyError(
      "invalid-desired-state",
      `desired state refused, nothing changed: ${problems.join("; ")}`,
    );
}

async function applyNow(desired: DesiredState, opts: ApplyOptions): Promise<ApplyResult> {
  // Awaited after the read; a rejection while an earlier step throws is not left unhandled.
  if (opts.presharedKeys instanceof Promise) opts.presharedKeys.catch(() => {});
  const runner = opts.runner ?? localRunner();
  const missing = ["wg", "ip", ...(desired.forwarding ? ["sysctl"] : [])].filter((c) => !runner.has(c));
  if (missing.length > 0 || !Array.isArray(desired.interfaces)) {
    refuseInvalid(validateDesiredState(desired));
    throw new ApplyError(
      "prerequisite-missing",
      `${missing.join(", ")} not found on PATH; nothing was changed`,
    );
  }
  const backend = opts.backend ?? defaultBackend(opts);
  // A node with a firewall changes it through its nft session: started now, if it is not
  // running, so that nft's start overlaps the reads instead of preceding the firewall step.
  if (desired.firewall !== undefined) NftSession.of(runner)?.warm();
  // A firewall other than the one applied last is loaded whatever the table holds, or its sets
  // are updated by a transaction that checks the table itself: reading it (a process, ≈ 10 ms)
  // could not change what happens. Unknown last state, or the same: read.
  const replacing =
    desired.firewall !== undefined &&
    opts.previous !== undefined &&
    opts.previous.firewall?.script !== desired.firewall.script;
  const read = (onStarted?: () => void, firewallReplaced = false): Promise<LiveState> =>
    readLiveState(runner, backend, {
      desiredNames: desired.interfaces.map((i) => i.name),
      ...(desired.firewall ? { firewallTable: desired.firewall.table } : {}),
      wantFirewall: desired.firewall !== undefined,
      firewallReplaced,
      wantForwarding: desired.forwarding,
      ...(onStarted ? { onStarted } : {}),
    });
  // Validated while the machine prepares its answers (reading changes nothing); a refused
  // state is still refused before anything is planned or run, whatever the read gave.
  let problems: string[] | undefined;
  const validate = () => {
    problems ??= validateDesiredState(desired);
  };
  let live: LiveState;
  try {
    live = await read(validate, replacing);
  } catch (cause) {
    validate();
    refuseInvalid(problems ?? []);
    throw new ApplyError("read-failed", `cannot read the live state: ${(cause as Error).message}`, { cause });
  }
  validate();
  refuseInvalid(problems ?? []);
  const presharedKeys = await opts.presharedKeys;
  const plan = planApply(desired, live, {
    publicKey: opts.publicKey,
    ...(presharedKeys ? { presharedKeys } : {}),
    ...(opts.previous ? { previous: opts.previous } : {}),
  });
  const log = opts.log ?? (() => {});
  if (plan.length === 0) {
    log(`apply ${desired.node} revision ${desired.revision}: no changes`);
    return { plan, changed: false };
  }
  log(`apply ${desired.node} revision ${desired.revision}: ${plan.length} change(s)`);
  try {
    await executePlan(plan, {
      runner,
      backend,
      privateKeyFile: opts.privateKeyFile,
      ...(presharedKeys ? { presharedKeys } : {}),
      log: (line) => log(`  ${line}`),
    });
  } catch (e) {
    if (e instanceof ApplyError && e.code === "step-failed") {
      const after = await read().catch(() => undefined);
      throw new ApplyError(e.code, e.message, { ...e.details, ...(after ? { live: after } : {}) });
    }
    throw e;
  }
  return { plan, changed: true };
}
