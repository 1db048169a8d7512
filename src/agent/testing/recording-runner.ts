/**
 * A {@link Runner} wrapper that records every command (argv without secrets), so a test can
 * assert that an apply with nothing to do ran only reads. Test support.
 */
import type { Runner } from "../exec.js";

/**
 * Commands that only read (`wg show`, `ip -j …`, `nft [-t] list`, `nft describe`, `sysctl -n`).
 * A co-process is recorded once as started and then once per line sent to it, as its argv
 * followed by the line's words (see {@link recordingRunner}): `nft -t -i` alone starts a reader
 * that does nothing by itself, and each line is judged as the same command run on its own; a
 * line holding several commands (`;`) is never read-only.
 */
export function isReadOnly(argv: readonly string[]): boolean {
  const [cmd, a1] = argv;
  if (cmd === "wg") return a1 === "show";
  if (cmd === "ip") return a1 === "-j";
  if (cmd === "nft") {
    if (argv.some((a) => a.includes(";"))) return false;
    // The first word that is not an option (`nft -t list …` reads too).
    const verb = argv.slice(1).find((a) => !a.startsWith("-"));
    if (verb === undefined) return argv.includes("-i");
    return verb === "list" || verb === "describe";
  }
  if (cmd === "sysctl") return a1 === "-n";
  return false;
}

/**
 * Wraps `inner`; `commands` lists every argv run through it, in order, and every line written
 * to a co-process it started (as that co-process's argv followed by the line's words).
 */
export function recordingRunner(inner: Runner): Runner & { commands: string[][] } {
  const commands: string[][] = [];
  return {
    commands,
    has: (cmd) => inner.has(cmd),
    run(cmd, args, opts) {
      commands.push([cmd, ...args]);
      return inner.run(cmd, args, opts);
    },
    daemon(cmd, args) {
      commands.push([cmd, ...args]);
      return inner.daemon(cmd, args);
    },
    watch(cmd, args, onLine) {
      commands.push([cmd, ...args]);
      return inner.watch(cmd, args, onLine);
    },
    ...(inner.coprocess
      ? {
          coprocess(cmd, args, on) {
            commands.push([cmd, ...args]);
            const proc = inner.coprocess!(cmd, args, on);
            return {
              write(text) {
                for (const line of text.split("\n"))
                  if (line !== "") commands.push([cmd, ...args, ...line.split(" ")]);
                proc.write(text);
              },
              stop: () => proc.stop(),
            };
          },
        }
      : {}),
  };
}
