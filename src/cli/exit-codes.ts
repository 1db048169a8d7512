/** Exit codes of the CLI: one table, used by every command. */
export const EXIT = {
  ok: 0,
  /** Validation failed, or `plan` found differences with --exit-code. */
  invalid: 1,
  /** Bad flags or arguments. */
  usage: 2,
  /** A file could not be read or written. */
  io: 3,
  internal: 70,
} as const;

/** An error the user can act on; printed without a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.usage,
  ) {
    super(message);
  }
}
