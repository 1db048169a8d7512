/**
 * Runs a plan's steps in order against the machine. Prerequisites are checked before the first
 * change (a missing wireguard-go fails with nothing touched); on a failing step it stops at
 * once — later steps may depend on it — and the caller re-reads the live state.
 */

import { changed } from "../../wgconf/change-lines.js";
import type { Runner } from "../exec.js";
import type { PeerSpec, WgBackend } from "../wg/backend.js";
import { ApplyError } from "./errors.js";
import { setUpdateLine, setUpdateScript, stampFirewallScript } from "./firewall.js";
import { formatStep } from "./format.js";
import { NftSession, NftSessionError } from "./nft-session.js";
import { HUBWIRE_ROUTE_PROTO, type PlanStep } from "./plan.js";

/** What the executor needs. */
export interface ExecuteContext {
  readonly runner: Runner;
  readonly backend: WgBackend;
  /** The 0600 file holding this node's private key. */
  readonly privateKeyFile: string;
  /** Preshared keys by ref (see {@link PlanContext}). */
  readonly presharedKeys?: ReadonlyMap<string, string>;
  /** Called before each step with its readable form. */
  readonly log?: (line: string) => void;
}

/** Commands each kind of step needs. */
function commandsFor(step: PlanStep): string[] {
  switch (step.op) {
    case "replace-firewall":
    case "update-firewall-sets":
    case "delete-firewall":
      return ["nft"];
    case "enable-forwarding":
      return ["sysctl"];
    case "set-private-key":
    case "set-listen-port":
    case "add-peer":
    case "change-peer":
    case "remove-peer":
      return ["wg"];
    default:
      return ["ip"];
  }
}

/** Throws `prerequisite-missing` when something the plan needs is absent; changes nothing. */
export async function checkPrerequisites(steps: readonly PlanStep[], ctx: ExecuteContext): Promise<void> {
  const missing = [...new Set(steps.flatMap(commandsFor))].filter((c) => !ctx.runner.has(c));
  if (missing.length > 0)
    throw new ApplyError(
      "prerequisite-missing",
      `${missing.join(", ")} not found on PATH; nothing was changed`,
    );
  if (steps.some((s) => s.op === "create-interface")) {
    const why = await ctx.backend.cannotCreate();
    if (why !== undefined) throw new ApplyError("prerequisite-missing", `${why}; nothing was changed`);
  }
}

async function runStep(step: PlanStep, ctx: ExecuteContext): Promise<void> {
  const { runner, backend } = ctx;
  switch (step.op) {
    case "replace-firewall":
      // One nft transaction: the old table is replaced atomically, never absent in between.
      await runner.run("nft", ["-f", "-"], {
        input: stampFirewallScript(step.table, step.script, step.hash),
      });
      return;
    case "update-firewall-sets": {
      const refused = await updateSets(step, ctx);
      if (refused === undefined) return;
      const why = (refused.split("\n")[0] ?? "").slice(0, 200);
      ctx.log?.(changed("firewall", `set update refused (${why}); load table inet ${step.table} instead`));
      await runner.run("nft", ["-f", "-"], {
        input: stampFirewallScript(step.table, step.script, step.hash),
      });
      return;
    }
    case "delete-firewall":
      await runner.run("nft", ["delete", "table", "inet", step.table]);
      return;
    case "enable-forwarding":
      await runner.run("sysctl", [
        "-q",
        "-w",
        step.family === "ipv4" ? "net.ipv4.ip_forward=1" : "net.ipv6.conf.all.forwarding=1",
      ]);
      return;
    case "create-interface":
      await backend.create(step.iface);
      return;
    case "set-private-key":
      await backend.setPrivateKey(step.iface, ctx.privateKeyFile);
      return;
    case "set-listen-port":
      await backend.setListenPort(step.iface, step.to);
      return;
    case "set-mtu":
      await runner.run("ip", ["link", "set", "dev", step.iface, "mtu", String(step.to)]);
      return;
    case "set-up":
      await runner.run("ip", ["link", "set", "dev", step.iface, "up"]);
      return;
    case "add-address":
      // `replace`, not `add`: a re-run after a crash finds it there and succeeds.
      await runner.run("ip", ["address", "replace", step.address, "dev", step.iface]);
      return;
    case "remove-address":
      await runner.run("ip", ["address", "del", step.address, "dev", step.iface]);
      return;
    case "remove-peer":
      await backend.removePeer(step.iface, step.publicKey);
      return;
    case "add-peer":
    case "change-peer":
      await backend.setPeer(step.iface, peerSpec(step, ctx));
      return;
    case "add-route":
    case "remove-route":
      await runner.run("ip", [
        "route",
        step.op === "add-route" ? "replace" : "del",
        step.prefix,
        "dev",
        step.iface,
        "proto",
        String(HUBWIRE_ROUTE_PROTO),
        "metric",
        String(step.metric),
      ]);
      return;
    case "delete-interface":
      await backend.delete(step.iface);
      return;
  }
}

/**
 * Runs a set-element update: one transaction, which fails whole unless the table holds the
 * script applied last. Through the runner's nft session when it has one (no process started),
 * else, or when the session fails, as `nft -f -` — the same compare-and-swap, so running it
 * again after a session died mid-request is safe: if the first one took, this one is refused
 * and the table is loaded whole. Undefined when it took; else what nft said.
 */
async function updateSets(
  step: Extract<PlanStep, { op: "update-firewall-sets" }>,
  ctx: ExecuteContext,
): Promise<string | undefined> {
  const session = NftSession.of(ctx.runner);
  if (session !== undefined) {
    try {
      const { stderr } = await session.run(setUpdateLine(step.table, step.fromHash, step.hash, step.changes));
      return stderr === "" ? undefined : stderr;
    } catch (e) {
      if (!(e instanceof NftSessionError)) throw e;
      ctx.log?.(`nft session: ${e.message}; running nft -f instead`);
    }
  }
  try {
    await ctx.runner.run("nft", ["-f", "-"], {
      input: setUpdateScript(step.table, step.fromHash, step.hash, step.changes),
    });
    return undefined;
  } catch (cause) {
    return (cause as Error).message;
  }
}

/** Steps that batch into one `ip -batch -` run, as the line `ip` reads for each. */
function ipBatchLine(step: PlanStep): string | undefined {
  switch (step.op) {
    case "add-route":
    case "remove-route": {
      const verb = step.op === "add-route" ? "replace" : "del";
      return `route ${verb} ${step.prefix} dev ${step.iface} proto ${HUBWIRE_ROUTE_PROTO} metric ${step.metric}`;
    }
    case "add-address":
      return `address replace ${step.address} dev ${step.iface}`;
    case "remove-address":
      return `address del ${step.address} dev ${step.iface}`;
    default:
      return undefined;
  }
}

const isPeerWrite = (s: PlanStep): s is Extract<PlanStep, { op: "add-peer" | "change-peer" }> =>
  s.op === "add-peer" || s.op === "change-peer";

/**
 * The run of steps starting at `i` that execute as one command: peer writes to one interface
 * (one `wg set` per few hundred peers) or address/route changes (one `ip -batch -`). A hub's
 * first apply of 10,000 peers and routes then costs a few processes, not 20,000.
 */
function groupAt(steps: readonly PlanStep[], i: number): readonly PlanStep[] {
  const first = steps[i]!;
  let j = i + 1;
  if (isPeerWrite(first)) {
    while (
      j < steps.length &&
      isPeerWrite(steps[j]!) &&
      (steps[j] as { iface: string }).iface === first.iface
    )
      j++;
  } else if (ipBatchLine(first) !== undefined) {
    while (j < steps.length && ipBatchLine(steps[j]!) !== undefined) j++;
  }
  return steps.slice(i, j);
}

function peerSpec(
  step: Extract<PlanStep, { op: "add-peer" | "change-peer" }>,
  ctx: ExecuteContext,
): PeerSpec {
  const { presharedKeyRef, endpoint, name: _name, ...peer } = step.peer;
  const presharedKey =
    presharedKeyRef === undefined
      ? undefined
      : presharedKeyRef === null
        ? null
        : (ctx.presharedKeys?.get(presharedKeyRef) ?? null);
  return {
    ...peer,
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(presharedKey === undefined ? {} : { presharedKey }),
  };
}

async function runGroup(group: readonly PlanStep[], ctx: ExecuteContext): Promise<void> {
  const first = group[0]!;
  if (group.length === 1) return runStep(first, ctx);
  if (isPeerWrite(first)) {
    await ctx.backend.setPeers(
      first.iface,
      group.map((s) => peerSpec(s as Extract<PlanStep, { op: "add-peer" | "change-peer" }>, ctx)),
    );
    return;
  }
  const lines = group.map((s) => ipBatchLine(s)!);
  await ctx.runner.run("ip", ["-batch", "-"], { input: `${lines.join("\n")}\n`, timeoutMs: 120_000 });
}

/**
 * Runs `steps` in order. On a failure throws {@link ApplyError} `step-failed` naming the step
 * (for a batch, its first step and the command's error), with the steps that did run; the
 * caller re-reads the live state before trusting anything.
 */
export async function executePlan(steps: readonly PlanStep[], ctx: ExecuteContext): Promise<void> {
  await checkPrerequisites(steps, ctx);
  const done: PlanStep[] = [];
  for (let i = 0; i < steps.length; ) {
    const group = groupAt(steps, i);
    for (const step of group) ctx.log?.(formatStep(step));
    try {
      await runGroup(group, ctx);
    } catch (cause) {
      const what =
        group.length === 1
          ? formatStep(group[0]!)
          : `${formatStep(group[0]!)} (and ${group.length - 1} more in one batch)`;
      throw new ApplyError("step-failed", `${what} failed: ${(cause as Error).message}`, {
        step: group[0]!,
        done,
        cause,
      });
    }
    done.push(...group);
    i += group.length;
  }
}
