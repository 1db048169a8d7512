/**
 * `hubwire keygen` and `hubwire pubkey`: drop-in replacements for `wg genkey`
 * and `wg pubkey` (same text in, same text out), so hosts without
 * wireguard-tools can still make keys, and scripts can switch between the two.
 * The private key only ever travels on stdin/stdout, never in argv.
 */
import { chmod, writeFile } from "node:fs/promises";
import type { Command } from "commander";
import { generatePrivateKey, InvalidKeyError, publicKeyFromPrivate } from "../../keys/wgkeys.js";
import { CliError, EXIT } from "../exit-codes.js";
import type { Io } from "../io.js";

/** Registers `keygen`: a new clamped private key and a newline, like `wg genkey`. */
export function registerKeygen(program: Command, io: Io): void {
  program
    .command("keygen")
    .description("print a new WireGuard private key (like `wg genkey`), or write it to a file (mode 0600)")
    .option("-o, --output <file>", "write the key to this new file, readable by its owner only (0600)")
    .action(async (flags: { output?: string }) => {
      const key = `${generatePrivateKey()}\n`;
      if (!flags.output) return io.stdout(key);
      try {
        // `wx`: never overwrite a key that exists; the mode is set as the file is created.
        await writeFile(flags.output, key, { mode: 0o600, flag: "wx" });
        await chmod(flags.output, 0o600);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new CliError(
          code === "EEXIST"
            ? `keygen: ${flags.output} exists; not overwriting a key`
            : `keygen: cannot write ${flags.output}: ${(error as Error).message}`,
          EXIT.io,
        );
      }
    });
}

/**
 * Registers `pubkey`: reads a private key on stdin and prints its public key,
 * like `wg pubkey`. Surrounding whitespace (the newline `keygen` printed) is
 * ignored; anything else that is not a key exits 1 without echoing the input.
 */
export function registerPubkey(program: Command, io: Io): void {
  program
    .command("pubkey")
    .description("read a private key on stdin, print its public key (like `wg pubkey`)")
    .action(async () => {
      const input = (await io.readStdin()).trim();
      if (input === "") {
        throw new CliError("pubkey: expected a private key on stdin, got nothing", EXIT.invalid);
      }
      try {
        io.stdout(`${publicKeyFromPrivate(input)}\n`);
      } catch (error) {
        if (error instanceof InvalidKeyError) {
          throw new CliError(`pubkey: stdin: ${error.message}`, EXIT.invalid);
        }
        throw error;
      }
    });
}
