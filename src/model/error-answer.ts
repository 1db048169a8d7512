/**
 * The API's error answer `{ error: { code, message, issues? } }` as its clients read it (the CLI,
 * the backup command, the agent): one parser, so a changed body shape is caught in one place.
 */
import { z } from "zod";
import { formatIssue, type Issue } from "./issues.js";

const issue = z.object({
  code: z.string(),
  kind: z.string(),
  name: z.string(),
  path: z.string(),
  message: z.string(),
  source: z.string().optional(),
});

const errorBody = z.object({
  error: z.looseObject({ code: z.string(), message: z.string(), issues: z.array(issue).optional() }),
});

export interface ErrorAnswer {
  readonly code: string;
  readonly message: string;
  readonly issues: readonly Issue[];
}

/** The error in an answer's body, or undefined when the body is not an API error. */
export function readErrorAnswer(body: string): ErrorAnswer | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  const parsed = errorBody.safeParse(json);
  if (!parsed.success) return undefined;
  const { code, message, issues } = parsed.data.error;
  return { code, message, issues: (issues ?? []) as Issue[] };
}

/** `message [code]`, then one line per issue. */
export function describeErrorAnswer(e: ErrorAnswer): string {
  return [`${e.message} [${e.code}]`, ...e.issues.map(formatIssue)].join("\n");
}
