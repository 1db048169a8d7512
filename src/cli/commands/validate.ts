/** `hubwire validate PATH…`: exit 0 when the whole set is valid, else one line per error and exit 1. */
import type { Command } from "commander";
import { loadAndCompile, reportIssues } from "../compile-or-report.js";
import type { Io } from "../io.js";

export function registerValidate(program: Command, io: Io): void {
  program
    .command("validate")
    .description("check files or folders of YAML resources; one line per error naming Kind/name and field")
    .argument("<paths...>", "YAML/JSON files or folders")
    .action(async (paths: string[]) => {
      const outcome = await loadAndCompile(paths);
      if (!outcome.ok) return reportIssues(io, outcome.issues);
      const { intent } = outcome.loaded;
      io.stdout(
        `valid: ${outcome.loaded.resources.length} resources ` +
          `(${intent.networks.length} networks, ${outcome.compiled.states.size} nodes, ` +
          `${intent.accessPolicies.length} access policies, ${intent.enrollmentPolicies.length} enrollment policies)\n`,
      );
    });
}
