/**
 * `hubwire agent --name NODE --token TOKEN …`: runs the agent until SIGINT/SIGTERM (SPEC §3.2).
 * The data plane stays as it is when the agent stops. SIGHUP rotates the node's key;
 * `hubwire rotate-key --state-dir DIR` sends it to the agent running on that state directory.
 *
 * The token may also come from `--token-file` (or `-` for stdin) or `HUBWIRE_JOIN_TOKEN`, which
 * keeps it out of `ps`; it is needed only until the node is enrolled.
 */
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Command } from "commander";
import pino from "pino";
import { AgentStopped, startAgent } from "../../agent/daemon/daemon.js";
import { CliError, EXIT } from "../exit-codes.js";
import type { Io } from "../io.js";
import { VERSION } from "../version.js";

interface Flags {
  name: string;
  token?: string;
  tokenFile?: string;
  controller: string[];
  stateDir: string;
  endpoint?: string;
  tunnelAddress?: string;
  subnet: string[];
  listenPort?: string;
  keepalive?: string;
  logLevel: string;
  reportEvery: string;
  probeInterval: string;
  probeMisses: string;
  holdDown: string;
}

const PID_FILE = "agent.pid";
const repeat = (v: string, prev: string[]) => [...prev, v];

function int(text: string | undefined, flag: string, min = 0): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min) throw new CliError(`${flag} must be a whole number ≥ ${min}`);
  return n;
}

/** A duration flag in seconds (decimals allowed) within [min, max], as milliseconds. */
function seconds(text: string, flag: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || value < min || value > max)
    throw new CliError(`${flag} must be a number of seconds from ${min} to ${max}, not "${text}"`);
  return Math.round(value * 1000);
}

async function tokenOf(flags: Flags, io: Io): Promise<string | undefined> {
  if (flags.tokenFile !== undefined) {
    try {
      const text = flags.tokenFile === "-" ? await io.readStdin() : await readFile(flags.tokenFile, "utf8");
      return text.trim();
    } catch (error) {
      throw new CliError(`cannot read --token-file: ${(error as Error).message}`, EXIT.io);
    }
  }
  if (flags.token !== undefined)
    io.stderr(
      "warning: --token puts the join token in the process list and shell history; use --token-file FILE (or - for stdin)\n",
    );
  return flags.token ?? process.env.HUBWIRE_JOIN_TOKEN;
}

export function registerAgent(program: Command, io: Io): void {
  program
    .command("agent")
    .description("run the agent: enroll, then apply this node's configuration and report status")
    .requiredOption("--name <node>", "this node's name")
    .option("--token-file <file>", "file holding the join token (- for stdin); the documented way")
    .option("--token <token>", "join token on the command line (discouraged: visible to other users; warns)")
    .option("--controller <url>", "controller URL (repeatable; default: the token's)", repeat, [])
    .option("--state-dir <dir>", "key, credential and last applied state", "/var/lib/hubwire/agent")
    .option("--endpoint <host:port>", "public endpoint others connect to")
    .option("--tunnel-address <ip>", "tunnel address to ask for (default: allocated)")
    .option("--subnet <cidr>", "site subnet behind this node (repeatable)", repeat, [])
    .option("--listen-port <port>", "first WireGuard listen port")
    .option("--keepalive <seconds>", "persistent keepalive")
    .option("--log-level <level>", "trace, debug, info, warn, error", "info")
    .option("--report-every <seconds>", "status report interval", "5")
    .option("--probe-interval <seconds>", "failover: seconds between probes on each hub link", "1")
    .option("--probe-misses <n>", "failover: unanswered probes in a row that take a link down", "3")
    .option(
      "--hold-down <seconds>",
      "failover: how long a link must answer every probe to carry routes again",
      "30",
    )
    .action(async (flags: Flags) => {
      const reportEvery = int(flags.reportEvery, "--report-every", 1)!;
      const listenPort = int(flags.listenPort, "--listen-port", 1);
      const keepalive = int(flags.keepalive, "--keepalive");
      const failover = {
        intervalMs: seconds(flags.probeInterval, "--probe-interval", 0.2, 60),
        misses: int(flags.probeMisses, "--probe-misses", 1)!,
        holdDownMs: seconds(flags.holdDown, "--hold-down", 0, 3600),
        window: 30,
      };
      const token = await tokenOf(flags, io);
      const log = pino({ level: flags.logLevel, base: { node: flags.name } });
      const abort = new AbortController();
      const agent = startAgent({
        name: flags.name,
        ...(token ? { token } : {}),
        controllers: flags.controller,
        stateDir: flags.stateDir,
        request: {
          ...(flags.endpoint ? { endpoint: flags.endpoint } : {}),
          ...(flags.tunnelAddress ? { tunnelAddress: flags.tunnelAddress } : {}),
          ...(flags.subnet.length ? { subnets: flags.subnet } : {}),
          ...(listenPort !== undefined ? { listenPort } : {}),
          ...(keepalive !== undefined ? { persistentKeepalive: keepalive } : {}),
        },
        version: VERSION,
        log,
        reportEveryMs: reportEvery * 1000,
        failover,
        signal: abort.signal,
      });
      const stop = () => abort.abort(new Error("stopped"));
      const rotate = () => {
        agent.rotateKey().catch((error: Error) => log.error({ error: error.message }, "key rotation failed"));
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      process.on("SIGHUP", rotate);
      const pidFile = join(flags.stateDir, PID_FILE);
      // The state dir exists once the agent has opened it; the pid file is only a convenience.
      setTimeout(() => void writeFile(pidFile, `${process.pid}\n`, { mode: 0o600 }).catch(() => {}), 200);
      try {
        await agent.done;
      } catch (error) {
        if (error instanceof AgentStopped) throw new CliError(`agent: ${error.message}`, EXIT.invalid);
        if (!abort.signal.aborted) throw new CliError(`agent: ${(error as Error).message}`, EXIT.internal);
      } finally {
        process.off("SIGHUP", rotate);
        await rm(pidFile, { force: true });
      }
    });

  program
    .command("rotate-key")
    .description("ask the agent running on a state directory to rotate its WireGuard key (SIGHUP)")
    .option("--state-dir <dir>", "the agent's state directory", "/var/lib/hubwire/agent")
    .action(async (flags: { stateDir: string }) => {
      let pid: number;
      try {
        pid = Number((await readFile(join(flags.stateDir, PID_FILE), "utf8")).trim());
        process.kill(pid, "SIGHUP");
      } catch (error) {
        throw new CliError(`no running agent on ${flags.stateDir}: ${(error as Error).message}`, EXIT.io);
      }
      io.stdout(`asked agent ${pid} to rotate its key\n`);
    });
}
