import { describe, expect, it } from "vitest";
import { CommandFailedError, localRunner } from "./exec.js";

describe("localRunner", () => {
  const runner = localRunner();

  it("returns output, passes stdin, and never uses a shell", async () => {
    expect((await runner.run("cat", [], { input: "secret on stdin\n" })).stdout).toBe("secret on stdin\n");
    // An argument with shell syntax is one argument, not a command.
    expect((await runner.run("echo", ["$(id); rm -rf /"])).stdout).toBe("$(id); rm -rf /\n");
  });

  it("fails with the argv and stderr, and says when a command is missing", async () => {
    const err = await runner.run("ls", ["/nonexistent-hubwire"]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandFailedError);
    expect((err as Error).message).toMatch(/^ls \/nonexistent-hubwire: exit 2: .*No such file/);
    const missing = await runner.run("hubwire-no-such-command", []).catch((e: unknown) => e);
    expect((missing as Error).message).toBe("hubwire-no-such-command: not found");
  });

  it("keeps a co-process: answers arrive as written, its end is reported", async () => {
    let out = "";
    let got: () => void = () => {};
    const echoed = new Promise<void>((resolve) => {
      got = resolve;
    });
    let exited: (code: number | null) => void = () => {};
    const ended = new Promise<number | null>((resolve) => {
      exited = resolve;
    });
    const proc = runner.coprocess!("cat", [], {
      stdout: (chunk) => {
        out += chunk;
        if (out === "one\ntwo\n") got();
      },
      stderr: () => {},
      exit: (code) => exited(code),
    });
    proc.write("one\n");
    proc.write("two\n");
    // Its handles are unref'd: this timer keeps the test's process alive meanwhile.
    const timer = setTimeout(() => {}, 5_000);
    await echoed;
    proc.stop();
    expect([0, null]).toContain(await ended); // stdin closed and SIGTERM: whichever ends it first
    clearTimeout(timer);
    const missing: (number | null)[] = [];
    await new Promise<void>((resolve) => {
      runner.coprocess!("hubwire-no-such-command", [], {
        stdout: () => {},
        stderr: () => {},
        exit: (code) => {
          missing.push(code);
          resolve();
        },
      });
    });
    expect(missing).toEqual([-1]);
  });

  it("looks commands up on its own PATH", () => {
    expect(runner.has("sh")).toBe(true);
    expect(localRunner({ path: "/nonexistent" }).has("sh")).toBe(false);
  });
});
