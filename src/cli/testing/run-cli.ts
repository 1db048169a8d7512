/** The CLI's tests' way in: the real entry point, in-process, with standard streams in memory. */
import { memoryIo } from "../io.js";
import { main } from "../main.js";

/** Runs `hubwire ARGS…` with `stdin` as standard input; the exit code and what it printed. */
export async function runCli(
  args: string[],
  stdin = "",
): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIo(stdin);
  const code = await main(["node", "hubwire", ...args], io);
  return { code, out: io.out, err: io.err };
}
