import { describe, expect, it } from "vitest";
import type { CoprocessHandlers, Runner } from "../exec.js";
import { executePlan } from "./execute.js";
import { fitsSession, NftSession, NftSessionError } from "./nft-session.js";
import type { PlanStep } from "./plan.js";

const DESCRIBE = "payload expression, datatype integer (integer), 4 bits\n";

/**
 * A fake `nft -t -i` that answers as nft 1.0.6 does: `describe ip version` on stdout, the
 * marker's syntax error on stderr, and each other line through `answer` (what it prints on
 * stdout and stderr). Output is handed over in small chunks, all of stderr before stdout: the
 * two pipes may be read in either order.
 */
function fakeNft(answer: (line: string) => { out?: string; err?: string } | "silent" | "exit") {
  const lines: string[] = [];
  let starts = 0;
  let on: CoprocessHandlers | undefined;
  const runner: Runner = {
    run: () => Promise.reject(new Error("one-shot nft run")),
    daemon: () => Promise.reject(new Error("not used")),
    watch: () => {
      throw new Error("not used");
    },
    has: () => true,
    coprocess(_cmd, _args, handlers) {
      starts++;
      on = handlers;
      let alive = true;
      return {
        write(text) {
          if (!alive) return;
          let out = "";
          let err = "";
          for (const line of text.split("\n").filter((l) => l !== "")) {
            lines.push(line);
            if (line === "describe ip version") out += DESCRIBE;
            else if (line.startsWith("list table inet @"))
              err += `Error: syntax error, unexpected @, expecting string\n${line}\n                ^\n`;
            else {
              const a = answer(line);
              if (a === "silent") return;
              if (a === "exit") {
                alive = false;
                setTimeout(() => handlers.exit(1), 1);
                return;
              }
              out += a.out ?? "";
              err += a.err ?? "";
            }
          }
          // Stderr first, in 7-character chunks, then stdout: the marker can arrive before
          // the stdout it follows has been read.
          const chunks = [
            ...(err.match(/[\s\S]{1,7}/g) ?? []).map((c) => () => on?.stderr(c)),
            ...(out.match(/[\s\S]{1,7}/g) ?? []).map((c) => () => on?.stdout(c)),
          ];
          for (const deliver of chunks) setImmediate(deliver);
        },
        stop() {
          alive = false;
        },
      };
    },
  };
  return { runner, lines, starts: () => starts, print: (chunk: string) => on?.stdout(chunk) };
}

describe("NftSession", () => {
  it("answers a line with what nft printed for it, markers left out", async () => {
    const nft = fakeNft((line) =>
      line === "list ruleset inet"
        ? { out: "table inet hubwire {\n}\n" }
        : { err: `Error: No such file or directory\n${line}\n   ^^^\n` },
    );
    const session = new NftSession(nft.runner);
    expect(await session.run("list ruleset inet")).toEqual({
      stdout: "table inet hubwire {\n}\n",
      stderr: "",
    });
    const refused = await session.run("delete chain inet hubwire x; add element inet hubwire s { 1.2.3.4 }");
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toBe(
      "Error: No such file or directory\ndelete chain inet hubwire x; add element inet hubwire s { 1.2.3.4 }\n   ^^^\n",
    );
    // One start (the handshake sends the stdout marker twice), and requests one after another.
    expect(nft.starts()).toBe(1);
    expect(nft.lines.slice(0, 3)).toEqual([
      "describe ip version",
      "describe ip version",
      "list table inet @hubwire-sync-1",
    ]);
  });

  it("runs concurrent requests one at a time, in order", async () => {
    const nft = fakeNft((line) => ({ out: `${line}\n` }));
    const session = new NftSession(nft.runner);
    const answers = await Promise.all(["list a", "list b", "list c"].map((l) => session.run(l)));
    expect(answers.map((a) => a.stdout)).toEqual(["list a\n", "list b\n", "list c\n"]);
  });

  it("fails a request when nft exits or does not answer, and starts again for the next", async () => {
    let mode: "exit" | "silent" | "ok" = "exit";
    const nft = fakeNft(() => (mode === "ok" ? {} : mode));
    const session = new NftSession(nft.runner, { timeoutMs: 50 });
    await expect(session.run("add element inet hubwire s { 1.2.3.4 }")).rejects.toBeInstanceOf(
      NftSessionError,
    );
    mode = "silent";
    await expect(session.run("add element inet hubwire s { 1.2.3.4 }")).rejects.toThrow(/no answer in time/);
    mode = "ok";
    expect(await session.run("add element inet hubwire s { 1.2.3.4 }")).toEqual({ stdout: "", stderr: "" });
    expect(nft.starts()).toBe(3);
  });

  it("fails the session on output nobody asked for", async () => {
    const nft = fakeNft(() => ({}));
    const session = new NftSession(nft.runner);
    await session.run("list x");
    nft.print("table inet stray {\n");
    expect(await session.run("list y")).toEqual({ stdout: "", stderr: "" });
    expect(nft.starts()).toBe(2);
  });

  it("refuses what nft -i would not read as one line", async () => {
    expect(fitsSession("add element inet t s { 1.2.3.4 }")).toBe(true);
    expect(fitsSession("add element inet t s { 1.2.3.4 }\nflush ruleset")).toBe(false);
    expect(fitsSession("add element inet t s { 1.2.3.4 } \\")).toBe(false);
    expect(fitsSession("")).toBe(false);
    const session = new NftSession(fakeNft(() => ({})).runner);
    await expect(session.run("a\nb")).rejects.toBeInstanceOf(NftSessionError);
  });

  it("is kept per runner, and only by runners that can keep a co-process", () => {
    const { runner } = fakeNft(() => ({}));
    expect(NftSession.of(runner)).toBe(NftSession.of(runner));
    expect(NftSession.of({ ...runner, coprocess: undefined })).toBeUndefined();
  });
});

describe("set updates through the session", () => {
  const step: PlanStep = {
    op: "update-firewall-sets",
    table: "hubwire",
    fromHash: "a".repeat(64),
    hash: "b".repeat(64),
    script: "table inet hubwire {\n}\n",
    changes: [{ set: "r0_from4", remove: [], add: ["10.0.0.9"] }],
  };

  function runnerWith(session: "ok" | "refuse" | "exit") {
    const nft = fakeNft(() =>
      session === "ok"
        ? {}
        : session === "exit"
          ? "exit"
          : { err: "Error: No such file or directory\nx\n^\n" },
    );
    const oneShot: { args: string[]; input?: string }[] = [];
    const runner: Runner = {
      ...nft.runner,
      run: async (_cmd, args, opts) => {
        oneShot.push({ args: [...args], ...(opts?.input === undefined ? {} : { input: opts.input }) });
        return { stdout: "", stderr: "" };
      },
    };
    return { runner, nft, oneShot };
  }
  const ctx = (runner: Runner, log: string[]) => ({
    runner,
    backend: {} as never,
    privateKeyFile: "/nonexistent",
    log: (l: string) => log.push(l),
  });

  it("sends the update as one line and starts no process", async () => {
    const { runner, nft, oneShot } = runnerWith("ok");
    await executePlan([step], ctx(runner, []));
    expect(oneShot).toEqual([]);
    expect(nft.lines).toContain(
      `delete chain inet hubwire applied_sha256_${"a".repeat(64)}; add element inet hubwire r0_from4 { 10.0.0.9 }; ` +
        `add chain inet hubwire applied_sha256_${"b".repeat(64)} { comment "hubwire: names the script this table holds; changed only with the table"; }`,
    );
  });

  it("loads the table whole when nft refuses the update", async () => {
    const { runner, oneShot } = runnerWith("refuse");
    const log: string[] = [];
    await executePlan([step], ctx(runner, log));
    expect(oneShot.map((c) => c.input?.split("\n")[0])).toEqual(["table inet hubwire {"]);
    expect(log.join("\n")).toMatch(/set update refused \(Error: No such file or directory\)/);
  });

  it("runs the same compare-and-swap as nft -f when the session fails", async () => {
    const { runner, oneShot } = runnerWith("exit");
    const log: string[] = [];
    await executePlan([step], ctx(runner, log));
    expect(oneShot).toHaveLength(1);
    expect(oneShot[0]!.args).toEqual(["-f", "-"]);
    expect(oneShot[0]!.input?.split("\n")[0]).toBe(
      `delete chain inet hubwire applied_sha256_${"a".repeat(64)}`,
    );
    expect(log.join("\n")).toMatch(/nft session: nft -i exited \(1\); running nft -f instead/);
  });
});
