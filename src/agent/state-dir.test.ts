import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { publicKeyFromPrivate } from "../keys/wgkeys.js";
import type { DesiredState } from "../model/index.js";
import { tempDirs } from "../testing/temp-dirs.js";
import { openStateDir, StateDirError, writeFileAtomic } from "./state-dir.js";

const root = tempDirs("hwag-state-");
/** A real compiled state: what the agent saves after an apply. */
const GOLDEN_HUB = join(import.meta.dirname, "../compile/testdata/golden/corp/hub-fra/hub-fra.json");
const mode = async (p: string) => (await stat(p)).mode & 0o777;

describe("openStateDir", () => {
  it("creates the directory 0700 and a private key 0600 on first use, the same key afterwards", async () => {
    const path = join(await root(), "agent");
    const dir = await openStateDir(path);
    expect(await mode(path)).toBe(0o700);
    const id = await dir.identity();
    expect(await mode(id.privateKeyFile)).toBe(0o600);
    const key = (await readFile(id.privateKeyFile, "utf8")).trim();
    expect(id.publicKey).toBe(publicKeyFromPrivate(key));
    const again = await (await openStateDir(path)).identity();
    expect(again).toEqual(id);
  });

  it("tightens a directory and key file that others could read", async () => {
    const path = join(await root(), "loose");
    await openStateDir(path);
    const { chmod } = await import("node:fs/promises");
    await chmod(path, 0o755);
    const dir = await openStateDir(path);
    expect(await mode(path)).toBe(0o700);
    const id = await dir.identity();
    await chmod(id.privateKeyFile, 0o644);
    await (await openStateDir(path)).identity();
    expect(await mode(id.privateKeyFile)).toBe(0o600);
  });

  it("refuses a corrupt key file, naming it", async () => {
    const path = join(await root(), "bad");
    await openStateDir(path);
    await writeFile(join(path, "private.key"), "not a key\n", { mode: 0o600 });
    await expect((await openStateDir(path)).identity()).rejects.toThrow(StateDirError);
    await expect((await openStateDir(path)).identity()).rejects.toThrow(/private\.key/);
  });

  it("stores the credential 0600 and the last applied state, atomically", async () => {
    const path = join(await root(), "s");
    const dir = await openStateDir(path);
    expect(await dir.readCredential()).toBeUndefined();
    expect(await dir.readLastApplied()).toBeUndefined();
    await dir.writeCredential("hwn_node_secret");
    expect(await dir.readCredential()).toBe("hwn_node_secret");
    expect(await mode(join(path, "credential"))).toBe(0o600);
    const state: DesiredState = JSON.parse(await readFile(GOLDEN_HUB, "utf8"));
    await dir.writeLastApplied(state);
    expect(await dir.readLastApplied()).toEqual(state);
    expect((await readdir(path)).sort()).toEqual(["credential", "last-applied.json"]);
  });

  it("drops temp files a crashed write left, and reports a torn last-applied file clearly", async () => {
    const path = join(await root(), "crash");
    await openStateDir(path);
    await writeFile(join(path, "last-applied.json.tmp-12345"), "{ half");
    const dir = await openStateDir(path);
    expect(await readdir(path)).toEqual([]);
    await writeFile(join(path, "last-applied.json"), "{ torn");
    await expect(dir.readLastApplied()).rejects.toThrow(/last-applied\.json: desired state is not JSON/);
  });

  it("refuses a saved state it cannot read (another protocol), naming the file and the field", async () => {
    const dir = await openStateDir(join(await root(), "newer"));
    const state = JSON.parse(await readFile(GOLDEN_HUB, "utf8"));
    await writeFile(join(dir.path, "last-applied.json"), JSON.stringify({ ...state, protocol: 2 }));
    await expect(dir.readLastApplied()).rejects.toThrow(
      /last-applied\.json: desired state refused: protocol: protocol 2 is not spoken by this agent/,
    );
  });

  it("writeFileAtomic replaces the whole file with the given mode", async () => {
    const p = join(await root(), "f");
    await writeFileAtomic(p, "one", 0o640);
    await writeFileAtomic(p, "two");
    expect(await readFile(p, "utf8")).toBe("two");
  });
});
