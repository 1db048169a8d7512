/**
 * The CLI's window on the world, so commands can be tested in-process without
 * spawning: stdout/stderr writers, stdin, and the exit code a command set.
 */
export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Reads all of stdin as UTF-8. */
  readStdin(): Promise<string>;
  exitCode?: number;
}

export function processIo(): Io {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString("utf8");
    },
  };
}

/** An Io that records output, for tests. */
export function memoryIo(stdin = ""): Io & { out: string; err: string } {
  const io = {
    out: "",
    err: "",
    stdout(t: string) {
      io.out += t;
    },
    stderr(t: string) {
      io.err += t;
    },
    readStdin: async () => stdin,
    exitCode: undefined as number | undefined,
  };
  return io;
}
