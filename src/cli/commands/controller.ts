/**
 * `hubwire controller [--listen ADDR:PORT]… [--data-dir DIR] [--database-url postgres://…]`:
 * runs the controller until SIGINT or SIGTERM.
 */
import type { Command } from "commander";
import { startController } from "../../controller/server.js";
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
    .option("--enroll-listen <addr:port>", "enrollment listener (off by default)")
    .option(
      "--tls-cert <file>",
      "server certificate chain (PEM); default: a CA and certificate made in the data folder",
    )
    .option("--tls-key <file>", "private key of --tls-cert (PEM)")
    .option("--log-level <level>", "trace, debug, info, warn, error", "info")
    .action(async (flags: Flags) => {
      if (flags.enrollListen)
        throw new CliError(
          "--enroll-listen: the enrollment listener is not part of this build yet",
          EXIT.usage,
        );
      if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined))
        throw new CliError("give --tls-cert and --tls-key together");
      let running: Awaited<ReturnType<typeof startController>>;
      try {
        running = await startController({
          listen: flags.listen.length ? flags.listen : ["127.0.0.1:7070"],
          dataDir: flags.dataDir,
          databaseUrl: flags.databaseUrl,
          tlsCert: flags.tlsCert,
          tlsKey: flags.tlsKey,
          logLevel: flags.logLevel,
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
