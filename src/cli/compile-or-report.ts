/** Shared by the offline commands: load intent, compile, print issues the one way. */
import { type Compiled, compile, groupResources } from "../compile/index.js";
import { formatIssue, type Issue, parseDocuments, type Resource } from "../model/index.js";
import type { Io } from "./io.js";
import { type Loaded, loadIntent } from "./load.js";

export type Outcome = { ok: true; loaded: Loaded; compiled: Compiled } | { ok: false; issues: Issue[] };

export async function loadAndCompile(paths: readonly string[]): Promise<Outcome> {
  const loaded = await loadIntent(paths);
  if (loaded.issues.length > 0) return { ok: false, issues: loaded.issues };
  const compiled = compile(loaded.intent);
  if (!compiled.ok) return compiled;
  return { ok: true, loaded, compiled };
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
  const parsed = parseDocuments(text, source);
  return compileResources(parsed.resources, parsed.issues);
}

/** One line per issue on stderr, then exit code 1. */
export function reportIssues(io: Io, issues: readonly Issue[]): void {
  for (const issue of issues) io.stderr(`${formatIssue(issue)}\n`);
  io.stderr(`${issues.length} error${issues.length === 1 ? "" : "s"}\n`);
  io.exitCode = 1;
}
