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

  it("looks commands up on its own PATH", () => {
    expect(runner.has("sh")).toBe(true);
    expect(localRunner({ path: "/nonexistent" }).has("sh")).toBe(false);
  });
});
