/**
 * `hubwire plan PATH… [--against PATH…]`: what changes going from the
 * `--against` set (default: nothing) to the given set — resources field by
 * field, then every node whose configuration changes, change by change.
 */
import type { Command } from "commander";
import { diffResources } from "../../compile/index.js";
import { diffStates, formatChange } from "../../wgconf/index.js";
import { loadAndCompile, reportIssues } from "../compile-or-report.js";
import type { Io } from "../io.js";

export function registerPlan(program: Command, io: Io): void {
  program
    .command("plan")
    .description("show what would change between two sets of resources")
    .argument("<paths...>", "the new YAML/JSON files or folders")
    .option("--against <paths...>", "the current set (default: empty)")
    .option("--exit-code", "exit 1 when there are changes")
    .action(async (paths: string[], flags: { against?: string[]; exitCode?: boolean }) => {
      const next = await loadAndCompile(paths);
      if (!next.ok) return reportIssues(io, next.issues);
      const prev = flags.against ? await loadAndCompile(flags.against) : undefined;
      if (prev && !prev.ok) {
        io.stderr("the --against set is invalid:\n");
        return reportIssues(io, prev.issues);
      }
      const resourceChanges = diffResources(prev?.loaded.resources ?? [], next.loaded.resources);
      const lines: string[] = [];
      for (const c of resourceChanges) {
        const sign = c.op === "add" ? "+" : c.op === "remove" ? "-" : "~";
        lines.push(`${sign} ${c.kind}/${c.name}`);
        for (const f of c.fields) lines.push(`    ${f.path}: ${f.from} → ${f.to}`);
      }
      const before = prev?.compiled.states ?? new Map();
      const after = next.compiled.states;
      const nodes = [...new Set([...before.keys(), ...after.keys()])].sort();
      const nodeLines: string[] = [];
      let changedNodes = 0;
      for (const name of nodes) {
        const changes = diffStates(before.get(name), after.get(name));
        if (changes.length === 0) continue;
        changedNodes++;
        const a = before.get(name)?.revision ?? "none";
        const b = after.get(name)?.revision ?? "removed";
        nodeLines.push(`node ${name} (${a.slice(0, 12)} → ${b.slice(0, 12)}):`);
        for (const c of changes) nodeLines.push(`    ${formatChange(c)}`);
      }
      if (resourceChanges.length === 0 && changedNodes === 0) {
        io.stdout("no changes\n");
        return;
      }
      io.stdout(
        `${[...lines, "", `${changedNodes} node configuration(s) change:`, ...nodeLines].join("\n")}\n`,
      );
      if (flags.exitCode) io.exitCode = 1;
    });
}
