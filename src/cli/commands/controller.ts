/**
 * `hubwire controller [--listen ADDR:PORT]… [--data-dir DIR] [--database-url postgres://…]`:
 * runs the controller until SIGINT or SIGTERM.
 */
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { readBackupKey } from "../../controller/backup/sealed.js";
import {
  DEFAULT_GUARD_POLICY,
  type GuardPolicy,
  policyProblem,
} from "../../controller/guard/blast-radius.js";
import { startController } from "../../controller/server.js";
import { duration, durationSeconds } from "../../model/index.js";
import { CliError, EXIT } from "../exit-codes.js";
import type { Io } from "../io.js";

interface Flags {
  listen: string[];
  dataDir: string;
  databaseUrl?: string;
  enrollListen?: string;
  tlsCert?: string;
  tlsKey?: string;
  logLevel: string;
  logFormat?: string;
  enrollSkew?: string;
  enrollRateLimit?: string;
  metricsListen?: string;
  metricsTokenFile?: string;
  backupKeyFile?: string;
  rotationGrace?: string;
  guardMaxRemovedShare: string;
  guardMinRemoved: string;
}

/** `--guard-max-removed-share 0.5 --guard-min-removed 3`: the blast-radius guard's thresholds. */
function guardPolicy(flags: Flags): GuardPolicy {
  const policy = {
    maxRemovedShare: Number(flags.guardMaxRemovedShare),
    minRemoved: Number(flags.guardMinRemoved),
  };
  const problem = policyProblem(policy);
  if (problem) {
    const flag = problem.startsWith("maxRemovedShare") ? "--guard-max-removed-share" : "--guard-min-removed";
    throw new CliError(`${flag}: ${problem.replace(/^\w+ /, "")}`, EXIT.usage);
  }
  return policy;
}

/** `--enroll-skew 5m`, `--enroll-rate-limit N` (per address per minute; per token ten times that). */
function enrollLimits(flags: Flags): {
  skewMs?: number;
  perAddress?: number;
  perToken?: number;
  rotationGraceMs?: number;
} {
  const out: { skewMs?: number; perAddress?: number; perToken?: number; rotationGraceMs?: number } = {};
  if (flags.rotationGrace !== undefined) {
    if (!duration.safeParse(flags.rotationGrace).success || durationSeconds(flags.rotationGrace) <= 0)
      throw new CliError(
        `--rotation-grace ${JSON.stringify(flags.rotationGrace)} is not a positive duration such as 24h`,
        EXIT.usage,
      );
    out.rotationGraceMs = durationSeconds(flags.rotationGrace) * 1000;
  }
  if (flags.enrollSkew !== undefined) {
    if (!duration.safeParse(flags.enrollSkew).success)
      throw new CliError(
        `--enroll-skew ${JSON.stringify(flags.enrollSkew)} is not a duration such as 5m`,
        EXIT.usage,
      );
    out.skewMs = durationSeconds(flags.enrollSkew) * 1000;
  }
  if (flags.enrollRateLimit !== undefined) {
    const n = Number(flags.enrollRateLimit);
    if (!Number.isSafeInteger(n) || n < 0)
      throw new CliError("--enroll-rate-limit must be a whole number (0: no limit)", EXIT.usage);
    out.perAddress = n;
    out.perToken = n * 10;
  }
  return out;
}

/** `--log-format`, else pretty for a person at a terminal and JSON for everything else. */
function logFormatOf(flag: string | undefined): "json" | "pretty" {
  if (flag === undefined) return process.stdout.isTTY ? "pretty" : "json";
  if (flag !== "json" && flag !== "pretty") throw new CliError("--log-format must be json or pretty");
  return flag;
}

export function registerController(program: Command, io: Io): void {
  program
    .command("controller")
    .description("run the controller: REST API, UI, config delivery, metrics")
    .option(
      "--listen <addr:port>",
      "listen here (repeatable; plain HTTP on loopback only)",
      (v, prev: string[]) => [...prev, v],
      [],
    )
    .option("--data-dir <dir>", "data folder (SQLite database, TLS files)", "./data")
    .option("--database-url <url>", "PostgreSQL instead of SQLite: postgres://user@host/db")
    .option("--enroll-listen <addr:port>", "enrollment listener, always TLS (off by default)")
    .option("--enroll-skew <duration>", "allowed clock difference of enrollment requests", "5m")
    .option(
      "--enroll-rate-limit <n>",
      "enrollment requests per source address per minute (per token: 10×; 0: no limit)",
      "60",
    )
    .option(
      "--rotation-grace <duration>",
      "how long a rotated node's old key stays valid at most, until it proves the new one",
      "24h",
    )
    .option(
      "--tls-cert <file>",
      "server certificate chain (PEM); default: a CA and certificate made in the data folder",
    )
    .option("--tls-key <file>", "private key of --tls-cert (PEM)")
    .option("--log-level <level>", "trace, debug, info, warn, error", "info")
    .option(
      "--metrics-listen <addr:port>",
      "a listener for /metrics and /healthz only (TLS unless loopback); default: metrics on loopback listeners only",
    )
    .option(
      "--metrics-token-file <file>",
      "a bearer token scrapers must present; also serves /metrics on non-loopback listeners",
    )
    .option(
      "--backup-key-file <file>",
      "seal every backup with an HMAC under this key, and restore only backups sealed with it",
    )
    .option(
      "--guard-max-removed-share <share>",
      "hold a hub's revision that removes more than this share (0-1) of its peers until confirmed; 1: off",
      String(DEFAULT_GUARD_POLICY.maxRemovedShare),
    )
    .option(
      "--guard-min-removed <n>",
      "…and at least this many peers",
      String(DEFAULT_GUARD_POLICY.minRemoved),
    )
    .option("--log-format <format>", "json or pretty (default: pretty on a terminal, else json)")
    .action(async (flags: Flags) => {
      const limits = enrollLimits(flags);
      const guard = guardPolicy(flags);
      if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined))
        throw new CliError("give --tls-cert and --tls-key together");
      const metricsToken =
        flags.metricsTokenFile === undefined
          ? undefined
          : (await readFile(flags.metricsTokenFile, "utf8")).trim();
      const backupKey =
        flags.backupKeyFile === undefined
          ? undefined
          : await readBackupKey(flags.backupKeyFile).catch((error: Error) => {
              throw new CliError(error.message, EXIT.usage);
            });
      let running: Awaited<ReturnType<typeof startController>>;
      try {
        running = await startController({
          listen: flags.listen.length ? flags.listen : ["127.0.0.1:7070"],
          dataDir: flags.dataDir,
          databaseUrl: flags.databaseUrl,
          tlsCert: flags.tlsCert,
          tlsKey: flags.tlsKey,
          logLevel: flags.logLevel,
          guard,
          logFormat: logFormatOf(flags.logFormat),
          ...(flags.enrollListen ? { enrollListen: flags.enrollListen, enrollLimits: limits } : {}),
          ...(flags.metricsListen ? { metricsListen: flags.metricsListen } : {}),
          ...(metricsToken !== undefined ? { metricsToken } : {}),
          ...(backupKey ? { backupKey } : {}),
          print: (line) => io.stdout(`${line}\n`),
        });
      } catch (error) {
        throw new CliError(`controller: ${(error as Error).message}`, EXIT.invalid);
      }
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
      await running.close();
    });
}
