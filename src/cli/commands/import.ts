/**
 * `hubwire import FILE [--dry-run] [--format csv|yaml]`: a CSV node list or
 * YAML documents through `POST /api/v1/import`, all or nothing. Problems come
 * back one per line with the line of the file they are on.
 */
import { readFile } from "node:fs/promises";
import { type Command, Option } from "commander";
import type { ApplyOutcome } from "../../controller/state/intent-store.js";
import { apiRequest, loadCredentials } from "../api-client.js";
import { CliError, EXIT } from "../exit-codes.js";
import type { Io } from "../io.js";

/** `.csv` is a node list; anything else is YAML (or JSON, which is YAML). */
export function formatOf(file: string, given?: string): "csv" | "yaml" {
  if (given === "csv" || given === "yaml") return given;
  return /\.csv$/i.test(file) ? "csv" : "yaml";
}

export function registerImport(program: Command, io: Io): void {
  program
    .command("import")
    .description("import a CSV node list or YAML documents, all or nothing; errors name their line")
    .argument("<file>", "a .csv node list (name,network,role,… header) or YAML; - for stdin")
    .option("--dry-run", "show the plan without changing anything")
    .addOption(
      new Option("--format <format>", "override the format the file name suggests").choices(["csv", "yaml"]),
    )
    .action(async (file: string, flags: { dryRun?: boolean; format?: string }) => {
      const text =
        file === "-"
          ? await io.readStdin()
          : await readFile(file, "utf8").catch((e: Error) => {
              throw new CliError(`cannot read ${file}: ${e.message}`, EXIT.io);
            });
      const res = await apiRequest(
        await loadCredentials(),
        "POST",
        `/api/v1/import${flags.dryRun ? "?dryRun=true" : ""}`,
        { body: JSON.stringify({ format: formatOf(file, flags.format), text }) },
      );
      const plan = res.json<ApplyOutcome & { resources: number }>();
      for (const c of plan.changes) {
        io.stdout(`${c.op === "add" ? "+" : c.op === "remove" ? "-" : "~"} ${c.kind}/${c.name}\n`);
        for (const f of c.fields) io.stdout(`    ${f.path}: ${f.from} → ${f.to}\n`);
      }
      io.stdout(
        `${plan.resources} resource(s) read; ${plan.changes.length} ${plan.dryRun ? "would change" : "changed"}${plan.dryRun || plan.changes.length === 0 ? "" : `; revision ${plan.revision}`}\n`,
      );
    });
}
