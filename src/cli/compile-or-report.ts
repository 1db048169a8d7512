/** Shared by the offline commands: load intent, compile, print issues the one way. */
import { type Compiled, compile, groupResources } from "../compile/index.js";
import {
  formatIssue,
  type Issue,
  locateIssues,
  parseDocuments,
  type Resource,
  withoutFollowOns,
} from "../model/index.js";
import type { Io } from "./io.js";
import { type Loaded, loadIntent } from "./load.js";

export type Outcome = { ok: true; loaded: Loaded; compiled: Compiled } | { ok: false; issues: Issue[] };

/**
 * Loads and compiles, reporting everything in one run: schema errors of single documents and the
 * whole-intent issues of the rest (dangling references, overlaps, clashes), each with its file,
 * document and line. A reference to a resource that failed its own schema check is not reported
 * as dangling: fixing that resource's error fixes it.
 */
export async function loadAndCompile(paths: readonly string[]): Promise<Outcome> {
  const loaded = await loadIntent(paths);
  const compiled = compile(loaded.intent);
  if (loaded.issues.length === 0 && compiled.ok) return { ok: true, loaded, compiled };
  const later = compiled.ok ? [] : withoutFollowOns(loaded.issues, compiled.issues);
  return { ok: false, issues: [...loaded.issues, ...locateIssues(later, loaded.parsed ?? [])] };
}

/** Compiles resources that are already loaded (e.g. a controller's export). */
export function compileResources(resources: Resource[], issues: Issue[] = []): Outcome {
  if (issues.length > 0) return { ok: false, issues };
  const intent = groupResources(resources);
  const compiled = compile(intent);
  if (!compiled.ok) return compiled;
  return { ok: true, loaded: { intent, resources, issues: [] }, compiled };
}

/** YAML text → compiled outcome. */
export function compileText(text: string, source: string): Outcome {
  const parsed = parseDocuments(text, source, { lines: true });
  const outcome = compileResources(parsed.resources, parsed.issues);
  return outcome.ok ? outcome : { ok: false, issues: locateIssues(outcome.issues, [parsed]) };
}

/** One line per issue on stderr, then exit code 1. */
export function reportIssues(io: Io, issues: readonly Issue[]): void {
  for (const issue of issues) io.stderr(`${formatIssue(issue)}\n`);
  io.stderr(`${issues.length} error${issues.length === 1 ? "" : "s"}\n`);
  io.exitCode = 1;
}
