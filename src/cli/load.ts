/**
 * Reads intent from files and folders (`*.yaml`, `*.yml`, `*.json`, recursively,
 * in name order) for the offline commands.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { groupResources, type Intent } from "../compile/index.js";
import {
  byteOrder,
  type Issue,
  type ParsedDocuments,
  parseDocuments,
  type Resource,
} from "../model/index.js";
import { CliError, EXIT } from "./exit-codes.js";

export interface Loaded {
  readonly intent: Intent;
  readonly resources: Resource[];
  readonly issues: Issue[];
  /** Each file's documents, to place issues found later (see locateIssues). */
  readonly parsed?: readonly ParsedDocuments[];
}

/** Files under `path` (itself when a file), YAML/JSON only, in name order. */
export async function listYamlFiles(path: string): Promise<string[]> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch {
    throw new CliError(`cannot read ${path}: no such file or folder`, EXIT.io);
  }
  if (!info.isDirectory()) return [path];
  const entries = (await readdir(path, { withFileTypes: true })).sort((a, b) => byteOrder(a.name, b.name));
  const out: string[] = [];
  for (const e of entries) {
    const full = join(path, e.name);
    if (e.isDirectory()) out.push(...(await listYamlFiles(full)));
    else if (/\.(ya?ml|json)$/.test(e.name)) out.push(full);
  }
  return out;
}

export async function loadIntent(paths: readonly string[]): Promise<Loaded> {
  if (paths.length === 0) throw new CliError("give at least one file or folder of YAML");
  const resources: Resource[] = [];
  const issues: Issue[] = [];
  const all: ParsedDocuments[] = [];
  for (const path of paths) {
    for (const file of await listYamlFiles(path)) {
      const parsed = parseDocuments(await readFile(file, "utf8"), file, { lines: true });
      resources.push(...parsed.resources);
      issues.push(...parsed.issues);
      all.push(parsed);
    }
  }
  return { intent: groupResources(resources), resources, issues, parsed: all };
}
