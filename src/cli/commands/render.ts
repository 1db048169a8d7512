/**
 * `hubwire render PATH… --node NAME [--format wg-quick|json] [--out DIR]`.
 * With --out: one IFNAME.conf per interface (hubs also get hubwire.nft), or
 * NODE.json; without: everything on stdout.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type Command, Option } from "commander";
import { renderJson, renderWgQuick } from "../../wgconf/index.js";
import { loadAndCompile, reportIssues } from "../compile-or-report.js";
import { CliError, EXIT } from "../exit-codes.js";
import type { Io } from "../io.js";

interface RenderFlags {
  node: string;
  format: "wg-quick" | "json";
  out?: string;
  privateKeyFile?: string;
}

export function registerRender(program: Command, io: Io): void {
  program
    .command("render")
    .description("print or write one node's configuration")
    .argument("<paths...>", "YAML/JSON files or folders")
    .requiredOption("--node <name>", "the node to render")
    .addOption(
      new Option("--format <format>", "output format").choices(["wg-quick", "json"]).default("wg-quick"),
    )
    .option("--out <dir>", "write files into this folder instead of stdout")
    .option("--private-key-file <path>", "where the node keeps its private key (referenced, never read)")
    .action(async (paths: string[], flags: RenderFlags) => {
      const outcome = await loadAndCompile(paths);
      if (!outcome.ok) return reportIssues(io, outcome.issues);
      const state = outcome.compiled.states.get(flags.node);
      if (!state) {
        const known = [...outcome.compiled.states.keys()].slice(0, 20).join(", ");
        throw new CliError(
          `no node ${JSON.stringify(flags.node)} in the given intent (nodes: ${known})`,
          EXIT.invalid,
        );
      }
      const files =
        flags.format === "json"
          ? [{ name: `${state.node}.json`, text: renderJson(state) }]
          : [
              ...renderWgQuick(state, { privateKeyFile: flags.privateKeyFile }),
              ...(state.firewall ? [{ name: "hubwire.nft", text: state.firewall.script }] : []),
            ];
      if (!flags.out) {
        io.stdout(
          files.length === 1 ? files[0]!.text : files.map((f) => `### ${f.name}\n${f.text}`).join("\n"),
        );
        return;
      }
      try {
        await mkdir(flags.out, { recursive: true });
        for (const f of files) await writeFile(join(flags.out, f.name), f.text, { mode: 0o644 });
      } catch (error) {
        throw new CliError(`cannot write to ${flags.out}: ${(error as Error).message}`, EXIT.io);
      }
      io.stdout(`${files.map((f) => join(flags.out!, f.name)).join("\n")}\n`);
    });
}
