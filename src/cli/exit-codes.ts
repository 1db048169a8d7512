/** Exit codes of the CLI: one table, used by every command. */
import { describeErrorAnswer, type ErrorAnswer, readErrorAnswer } from "../model/error-answer.js";

export const EXIT = {
  ok: 0,
  /** Validation failed, or `plan` found differences with --exit-code. */
  invalid: 1,
  /** Bad flags or arguments, or a request the controller found malformed. */
  usage: 2,
  /** A file could not be read or written, or the controller could not be reached. */
  io: 3,
  /** The controller refused the credentials or their role. */
  denied: 4,
  /** What the command names does not exist. */
  notFound: 5,
  /** It exists already, or changed since it was read. */
  conflict: 6,
  /** The controller is overloaded or its database unreachable: retrying may help (EX_UNAVAILABLE). */
  unavailable: 69,
  /** A fault of ours (EX_SOFTWARE): the controller answered 500, or the CLI failed. */
  internal: 70,
} as const;

/** The exit code for an API error code (api/errors.ts has the HTTP statuses of the same codes). */
const BY_API_CODE: Readonly<Record<string, number>> = {
  "validation-failed": EXIT.invalid,
  "bad-request": EXIT.usage,
  "payload-too-large": EXIT.usage,
  "unsupported-media-type": EXIT.usage,
  unauthenticated: EXIT.denied,
  forbidden: EXIT.denied,
  "csrf-failed": EXIT.denied,
  "enrollment-rejected": EXIT.denied,
  "not-found": EXIT.notFound,
  "already-exists": EXIT.conflict,
  conflict: EXIT.conflict,
  "rate-limited": EXIT.unavailable,
  unavailable: EXIT.unavailable,
  internal: EXIT.internal,
};

/** How the CLI exits on an API error answer (or, without a readable body, on its HTTP status). */
export function exitCodeFor(status: number, answer: ErrorAnswer | undefined): number {
  const known = answer ? BY_API_CODE[answer.code] : undefined;
  if (known !== undefined) return known;
  if (status >= 500) return status === 503 ? EXIT.unavailable : EXIT.internal;
  if (status === 401 || status === 403) return EXIT.denied;
  if (status === 404) return EXIT.notFound;
  if (status === 409) return EXIT.conflict;
  return status === 422 ? EXIT.invalid : EXIT.usage;
}

/** An error the user can act on; printed without a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.usage,
  ) {
    super(message);
  }
}

/** The CliError for a non-2xx API answer: the API's own message and issues, and the exit code. */
export function apiFailure(
  what: string,
  status: number,
  body: string,
  /** Rewrites an issue's source (the controller's `body#N line L` back to the user's file). */
  place?: (source: string) => string,
): CliError {
  const read = readErrorAnswer(body);
  const answer =
    read && place
      ? { ...read, issues: read.issues.map((i) => (i.source ? { ...i, source: place(i.source) } : i)) }
      : read;
  return new CliError(
    `${what}: ${answer ? describeErrorAnswer(answer) : status}`,
    exitCodeFor(status, answer),
  );
}
