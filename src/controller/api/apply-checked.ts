/**
 * Apply and import report every problem of their input in one answer: the documents that failed
 * their schema check, and — checked against the current intent with the documents that passed —
 * dangling references, overlaps and clashes, each placed where the input has a place for it. A
 * refusal changes nothing: the whole-intent check of a set with schema errors is a dry run.
 */
import { type Issue, type Resource, withoutFollowOns } from "../../model/index.js";
import { DomainError } from "../errors.js";
import type { Actor, ApplyOutcome } from "../state/intent-store.js";
import type { Services } from "./services.js";

/** Resources read from a request, the schema issues of those that failed, and where each one is. */
export interface ReadResources {
  readonly resources: readonly Resource[];
  readonly issues: readonly Issue[];
  /** Where a field of `Kind/name` is in the input (`body#3 line 12`); undefined: nowhere. */
  locate(kind: string, name: string, path: string): string | undefined;
}

function place(issues: readonly Issue[], read: ReadResources): Issue[] {
  return issues.map((i) => {
    const where = i.source ? undefined : read.locate(i.kind, i.name, i.path);
    return where === undefined ? i : { ...i, source: where };
  });
}

/** The issues of a validation failure, placed; anything else is rethrown as it is. */
function issuesOf(error: unknown, read: ReadResources): Issue[] {
  if (error instanceof DomainError && error.code === "validation-failed" && error.issues)
    return place(error.issues, read);
  throw error;
}

/** Applies `read` (all or nothing), or refuses it with every issue of all three classes at once. */
export async function applyChecked(
  s: Services,
  actor: Actor,
  read: ReadResources,
  dryRun: boolean,
): Promise<ApplyOutcome> {
  // Apply and import carry exported Enrollment states (enrollment-restore.ts).
  const options = { restoreEnrollmentState: true } as const;
  const changes = read.resources.map((resource) => ({ op: "put" as const, resource }));
  if (read.issues.length === 0) {
    try {
      return await s.intent.apply(actor, changes, { ...options, dryRun });
    } catch (error) {
      const issues = issuesOf(error, read);
      throw new DomainError("validation-failed", (error as DomainError).message, issues);
    }
  }
  let later: Issue[] = [];
  if (changes.length > 0) {
    try {
      await s.intent.apply(actor, changes, { ...options, dryRun: true });
    } catch (error) {
      later = issuesOf(error, read);
    }
  }
  const issues = [...read.issues, ...withoutFollowOns(read.issues, later)];
  throw new DomainError(
    "validation-failed",
    `the change is invalid: ${issues.length} issue${issues.length === 1 ? "" : "s"}`,
    issues,
  );
}
