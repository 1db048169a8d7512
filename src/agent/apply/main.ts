/**
 * `node dist/agent/apply/main.js STATE_DIR DESIRED.json`: applies one desired state from a file
 * with the node identity of a state directory, records it as last applied, prints the plan.
 * The agent daemon applies in-process; this entry point exists for recovery by hand and for
 * the crash tests (`kill -9` in the middle of an apply, then run again). Exit 0 applied,
 * 1 apply error (code and message on stderr), 2 usage.
 */
import { readFile } from "node:fs/promises";
import type { DesiredState } from "../../model/index.js";
import { openStateDir } from "../state-dir.js";
import { applyDesiredState } from "./apply.js";
import { ApplyError } from "./errors.js";

async function main(argv: readonly string[]): Promise<number> {
  const [stateDir, desiredFile] = argv;
  if (stateDir === undefined || desiredFile === undefined) {
    process.stderr.write("usage: main.js STATE_DIR DESIRED.json\n");
    return 2;
  }
  const dir = await openStateDir(stateDir);
  const id = await dir.identity();
  const desired = JSON.parse(await readFile(desiredFile, "utf8")) as DesiredState;
  const previous = await dir.readLastApplied();
  try {
    await applyDesiredState(desired, {
      ...id,
      ...(previous ? { previous } : {}),
      log: (line) => process.stdout.write(`${line}\n`),
    });
  } catch (e) {
    if (!(e instanceof ApplyError)) throw e;
    process.stderr.write(`apply failed [${e.code}]: ${e.message}\n`);
    return 1;
  }
  await dir.writeLastApplied(desired);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
