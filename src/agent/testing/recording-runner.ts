/**
 * A {@link Runner} wrapper that records every command (argv without secrets), so a test can
 * assert that an apply with nothing to do ran only reads. Test support.
 */
import type { Runner } from "../exec.js";

/** Commands that only read (`wg show`, `ip -j …`, `nft [-t] list`, `sysctl -n`). */
export function isReadOnly(argv: readonly string[]): boolean {
  const [cmd, a1] = argv;
  if (cmd === "wg") return a1 === "show";
  if (cmd === "ip") return a1 === "-j";
  // The first word that is not an option (`nft -t list …` reads too).
  if (cmd === "nft") return argv.slice(1).find((a) => !a.startsWith("-")) === "list";
  if (cmd === "sysctl") return a1 === "-n";
  return false;
}

/** Wraps `inner`; `commands` lists every argv run through it, in order. */
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
  };
}
