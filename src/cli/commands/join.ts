/**
 * `hubwire join`: enroll from the command line, for scripts and troubleshooting — the same client
 * the agent uses (pinned TLS, signed request, proof of possession). Prints the controller's answer
 * as JSON. Secrets come from files or stdin, never argv: the join token (`--token-file`, `-` for
 * stdin) and the WireGuard private key (`--key-file`). The node credential, once approved, goes to
 * `--credential-file` (mode 0600) when given, else into the printed JSON.
 *
 * Exit codes: 0 Approved (or Pending without --wait), 1 refused/rejected/revoked/expired,
 * 2 bad flags, 3 unreadable files or no controller reachable.
 */
import { readFile, writeFile } from "node:fs/promises";
import type { Command } from "commander";
import { EnrollError, enroll, waitForApproval } from "../../agent/client/enroll.js";
import { JoinTokenError } from "../../model/join-token.js";
import { CliError, EXIT } from "../exit-codes.js";
import type { Io } from "../io.js";

interface Flags {
  tokenFile: string;
  keyFile: string;
  name: string;
  endpoint?: string;
  tunnelAddress?: string;
  subnet: string[];
  listenPort?: string;
  keepalive?: string;
  controller: string[];
  wait?: boolean;
  credentialFile?: string;
}

async function readText(file: string, what: string, io: Io): Promise<string> {
  try {
    return (file === "-" ? await io.readStdin() : await readFile(file, "utf8")).trim();
  } catch (error) {
    throw new CliError(`cannot read the ${what} ${file}: ${(error as Error).message}`, EXIT.io);
  }
}

function int(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new CliError(`${flag} must be a whole number`, EXIT.usage);
  return n;
}

export function registerJoin(program: Command, io: Io): void {
  program
    .command("join")
    .description("enroll this node with a join token and print the controller's answer (JSON)")
    .requiredOption("--token-file <file>", "file holding the join token (- for stdin)")
    .requiredOption("--key-file <file>", "the node's WireGuard private key (as wg genkey writes it)")
    .requiredOption("--name <node>", "the node name to enroll as")
    .option("--endpoint <host:port>", "public endpoint others connect to")
    .option("--tunnel-address <ip>", "tunnel address to ask for (default: allocated)")
    .option("--subnet <cidr>", "site subnet behind the node (repeatable)", (v, p: string[]) => [...p, v], [])
    .option("--listen-port <port>", "WireGuard listen port")
    .option("--keepalive <seconds>", "persistent keepalive")
    .option(
      "--controller <url>",
      "enrollment URL instead of the token's (repeatable)",
      (v, p: string[]) => [...p, v],
      [],
    )
    .option("--wait", "when Pending, poll until an operator decides")
    .option("--credential-file <file>", "write the node credential here (0600) instead of printing it")
    .action(async (flags: Flags) => {
      const token = await readText(flags.tokenFile, "join token file", io);
      const privateKey = await readText(flags.keyFile, "key file", io);
      const urls = flags.controller.length > 0 ? flags.controller : undefined;
      const request = {
        ...(flags.endpoint ? { endpoint: flags.endpoint } : {}),
        ...(flags.tunnelAddress ? { tunnelAddress: flags.tunnelAddress } : {}),
        subnets: flags.subnet,
        ...(flags.listenPort !== undefined ? { listenPort: int(flags.listenPort, "--listen-port") } : {}),
        ...(flags.keepalive !== undefined
          ? { persistentKeepalive: int(flags.keepalive, "--keepalive") }
          : {}),
      };
      let result: Awaited<ReturnType<typeof enroll>>;
      try {
        result = await enroll({
          token,
          nodeName: flags.name,
          privateKey,
          request,
          ...(urls ? { urls } : {}),
        });
        if (result.state === "Pending" && flags.wait) {
          io.stderr(`${flags.name}: Pending — waiting for an operator (hubwire approve ${flags.name})\n`);
          result = await waitForApproval({
            token,
            nodeName: flags.name,
            privateKey,
            ...(urls ? { urls } : {}),
          });
        }
      } catch (error) {
        if (error instanceof JoinTokenError) throw new CliError(`join token: ${error.message}`, EXIT.usage);
        if (error instanceof EnrollError) throw new CliError(error.message, EXIT.io);
        throw error;
      }
      const { credential, ...rest } = result;
      if (credential && flags.credentialFile) {
        await writeFile(flags.credentialFile, `${credential}\n`, { mode: 0o600 });
        io.stdout(`${JSON.stringify({ ...rest, credentialFile: flags.credentialFile }, null, 2)}\n`);
      } else {
        io.stdout(`${JSON.stringify(result, null, 2)}\n`);
      }
      if (!["Approved", "Pending"].includes(result.state)) io.exitCode = EXIT.invalid;
    });
}
