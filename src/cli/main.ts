/**
 * The `hubwire` command line. Each command lives in its own module under
 * commands/ and registers itself on the program; this file only wires them up
 * and turns errors into exit codes (see exit-codes.ts).
 */
import { Command, CommanderError } from "commander";
import { registerAgent } from "./commands/agent.js";
import { registerApiVerbs } from "./commands/api-verbs.js";
import { registerBackup } from "./commands/backup.js";
import { registerController } from "./commands/controller.js";
import { registerEnrollVerbs } from "./commands/enroll-verbs.js";
import { registerHoldVerbs } from "./commands/hold-verbs.js";
import { registerImport } from "./commands/import.js";
import { registerJoin } from "./commands/join.js";
import { registerJoinHmac } from "./commands/join-hmac.js";
import { registerKeygen, registerPubkey } from "./commands/keys.js";
import { registerPlan } from "./commands/plan.js";
import { registerRender } from "./commands/render.js";
import { registerSecretVerbs } from "./commands/secret-verbs.js";
import { registerSessionVerbs } from "./commands/session-verbs.js";
import { registerValidate } from "./commands/validate.js";
import { CliError, EXIT } from "./exit-codes.js";
import type { Io } from "./io.js";
import { processIo } from "./io.js";
import { VERSION } from "./version.js";

export { VERSION } from "./version.js";

export function buildProgram(io: Io): Command {
  const program = new Command("hubwire")
    .description("WireGuard hub-and-spoke SD-WAN: controller, agent and tools")
    .version(VERSION)
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .exitOverride();
  registerController(program, io);
  registerValidate(program, io);
  registerRender(program, io);
  registerPlan(program, io);
  registerKeygen(program, io);
  registerPubkey(program, io);
  registerJoinHmac(program, io);
  registerApiVerbs(program, io);
  registerSessionVerbs(program, io);
  registerImport(program, io);
  registerBackup(program, io);
  registerEnrollVerbs(program, io);
  registerHoldVerbs(program, io);
  registerSecretVerbs(program, io);
  registerJoin(program, io);
  registerAgent(program, io);
  return program;
}

/** Runs the CLI and returns the process exit code. */
export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv]);
    return io.exitCode ?? EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (error instanceof CliError) {
      io.stderr(`hubwire: ${error.message}\n`);
      return error.exitCode;
    }
    io.stderr(`hubwire: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.internal;
  }
}
