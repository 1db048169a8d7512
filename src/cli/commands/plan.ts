/**
 * `hubwire plan PATH… [--against PATH…|--controller URL]`: what changes going
 * from the `--against` set (default: nothing) to the given set — or what
 * `hubwire apply PATH…` would change on a controller — resources field by
 * field, then every node whose configuration changes, change by change.
 */
import type { Command } from "commander";
import { diffResources, keepPinned } from "../../compile/index.js";
import { diffStates, formatChange, lineDiff } from "../../wgconf/index.js";
import { apiRequest, loadCredentials } from "../api-client.js";
import {
  compileResources,
  compileText,
  loadAndCompile,
  type Outcome,
  reportIssues,
} from "../compile-or-report.js";
import { CliError } from "../exit-codes.js";
import type { Io } from "../io.js";
import { loadIntent } from "../load.js";

export function registerPlan(program: Command, io: Io): void {
  program
    .command("plan")
    .description("show what would change between two sets of resources")
    .argument("<paths...>", "the new YAML/JSON files or folders")
    .option("--against <paths...>", "the current set (default: empty)")
    .option("--controller <url>", "what applying the set to this controller would change (uses your login)")
    .option("--exit-code", "exit 1 when there are changes")
    .action(
      async (paths: string[], flags: { against?: string[]; controller?: string; exitCode?: boolean }) => {
        if (flags.against && flags.controller) throw new CliError("give --against or --controller, not both");
        let next: Outcome;
        let prev: Outcome | undefined;
        if (flags.controller) {
          // apply puts the given resources over the controller's, keeping addresses it pinned: plan
          // the same merge, so only real changes show (as `apply --dry-run`).
          const given = await loadIntent(paths);
          if (given.issues.length > 0) return reportIssues(io, given.issues);
          const creds = { ...(await loadCredentials()), controller: flags.controller };
          const text = (await apiRequest(creds, "GET", "/api/v1/export", { accept: "application/yaml" }))
            .text;
          prev = compileText(text, flags.controller);
          const merged = new Map(
            prev.ok ? prev.loaded.resources.map((r) => [`${r.kind}/${r.metadata.name}`, r]) : [],
          );
          for (const r of given.resources) {
            const key = `${r.kind}/${r.metadata.name}`;
            merged.set(key, keepPinned(merged.get(key), r));
          }
          next = compileResources([...merged.values()]);
        } else {
          next = await loadAndCompile(paths);
          if (flags.against) prev = await loadAndCompile(flags.against);
        }
        if (!next.ok) return reportIssues(io, next.issues);
        if (prev && !prev.ok) {
          io.stderr(`the ${flags.controller ? "controller's" : "--against"} set is invalid:\n`);
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
          for (const c of changes) {
            nodeLines.push(`    ${formatChange(c)}`);
            // The rules themselves, line by line, not just that they changed.
            if (c.type === "firewall-changed")
              for (const l of lineDiff(
                before.get(name)?.firewall?.script ?? "",
                after.get(name)?.firewall?.script ?? "",
              ))
                nodeLines.push(`        ${l}`);
          }
        }
        if (resourceChanges.length === 0 && changedNodes === 0) {
          io.stdout("no changes\n");
          return;
        }
        io.stdout(
          `${[...lines, "", `${changedNodes} node configuration(s) change:`, ...nodeLines].join("\n")}\n`,
        );
        if (flags.exitCode) io.exitCode = 1;
      },
    );
}
