/**
 * The offline commands (`validate`, `render`, `plan`) through the real CLI
 * entry point, in-process, on the shipped examples and on broken or edited
 * copies of them in a temporary folder. Rendered output is checked against the
 * compiler's golden files, so the CLI adds nothing and loses nothing.
 */
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT } from "../exit-codes.js";
import { runCli } from "../testing/run-cli.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const CORP = join(ROOT, "examples", "corp");
const MESH = join(ROOT, "examples", "mesh");
const GOLDEN = join(ROOT, "src", "compile", "testdata", "golden");

const run = (...args: string[]) => runCli(args);

const golden = (example: string, node: string, file: string) =>
  readFile(join(GOLDEN, example, node, file), "utf8");

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "hubwire-offline-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A copy of examples/corp with `edit` applied to one file's text. */
async function editedCorp(name: string, file: string, edit: (text: string) => string): Promise<string> {
  const dir = join(tmp, name);
  await cp(CORP, dir, { recursive: true });
  const path = join(dir, file);
  const before = await readFile(path, "utf8");
  const after = edit(before);
  expect(after, "the edit must change the file").not.toBe(before);
  await writeFile(path, after);
  return dir;
}

describe("hubwire validate", () => {
  it.each([
    ["examples/corp", CORP],
    ["examples/mesh", MESH],
  ])("accepts %s", async (_, dir) => {
    const r = await run("validate", dir);
    expect(r.err).toBe("");
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toMatch(/^valid: \d+ resources/);
  });

  /** stderr as error lines plus the closing count line, checked for the `Kind/name path:` form. */
  function errorLines(err: string): string[] {
    const lines = err.trimEnd().split("\n");
    const [summary] = lines.splice(-1);
    expect(summary).toBe(`${lines.length} error${lines.length === 1 ? "" : "s"}`);
    for (const line of lines) {
      expect(line).toMatch(/(^|: )[A-Z][A-Za-z]*\/[a-z0-9-]+ [A-Za-z0-9_.[\]]+: .+ \[[a-z-]+\]$/);
    }
    return lines;
  }

  /** spokes.yaml broken twice: branch-nyc's subnet overlaps branch-sha's; edge-rig names a hub that does not exist. */
  const overlapAndDangling = (text: string) =>
    text
      .replace("subnets: [10.64.9.0/24]", "subnets: [10.64.7.128/25]")
      .replace(
        "hubs: [hub-fra, hub-sgp]\n  persistentKeepalive",
        "hubs: [hub-fra, hub-ams]\n  persistentKeepalive",
      );

  it("exits 1 with one `Kind/name path:` line per validation error on a broken copy", async () => {
    const dir = await editedCorp("broken", "spokes.yaml", overlapAndDangling);
    const r = await run("validate", dir);
    expect(r.code).toBe(EXIT.invalid);
    expect(r.out).toBe("");
    const lines = errorLines(r.err);
    const file = join(dir, "spokes.yaml");
    expect(lines).toContainEqual(
      expect.stringMatching(/ line 42: Node\/edge-rig spec\.hubs\[1\]: .*hub-ams.* \[dangling-reference\]$/),
    );
    expect(lines.every((l) => l.startsWith(`${file}#`))).toBe(true);
    expect(lines).toContainEqual(
      expect.stringMatching(
        /#3 line 30: Node\/branch-nyc spec\.subnets\[0\]: .*10\.64\.7\.0\/24.* \[overlap\]$/,
      ),
    );
  });

  it("reports a schema error, a dangling reference and an overlap in one run, each with file, document and line", async () => {
    const dir = await editedCorp("three", "spokes.yaml", (t) =>
      overlapAndDangling(t).replace("role: external", "role: laptop"),
    );
    const r = await run("validate", dir);
    expect(r.code).toBe(EXIT.invalid);
    const file = join(dir, "spokes.yaml");
    const lines = errorLines(r.err).map((l) => l.replace(file, "FILE"));
    expect(lines).toHaveLength(3);
    expect(lines).toContainEqual(
      expect.stringMatching(/^FILE#5 line 52: Node\/laptop-alice spec\.role: .* \[invalid-field\]$/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^FILE#4 line 42: Node\/edge-rig spec\.hubs\[1\]: .* \[dangling-reference\]$/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^FILE#3 line 30: Node\/branch-nyc spec\.subnets\[0\]: .* \[overlap\]$/),
    );
  });

  it("names line and column of a YAML syntax error", async () => {
    const dir = await editedCorp("syntax", "network.yaml", (t) => t.replace("mtu: 1420", "mtu: [1420"));
    const r = await run("validate", dir);
    expect(r.code).toBe(EXIT.invalid);
    const first = r.err.split("\n")[0]!;
    expect(first.startsWith(`${join(dir, "network.yaml")}: ?/?: YAML line `)).toBe(true);
    expect(first).toMatch(/: YAML line \d+, column \d+: .+ \[invalid-field\]$/);
  });

  it("names the file and document of a schema error", async () => {
    const dir = await editedCorp("unknown-field", "spokes.yaml", (t) =>
      t.replace("persistentKeepalive: 15", "persistentKeepalive: 15\n  colour: blue"),
    );
    const r = await run("validate", dir);
    expect(r.code).toBe(EXIT.invalid);
    expect(errorLines(r.err)).toEqual([
      `${join(dir, "spokes.yaml")}#4 line 44: Node/edge-rig spec.colour: unknown field "colour" [unknown-field]`,
    ]);
  });

  it("fails clearly on a path that does not exist", async () => {
    const r = await run("validate", join(tmp, "no-such-folder"));
    expect(r.code).toBe(EXIT.io);
    expect(r.err).toMatch(/no such file or folder/);
  });
});

describe("hubwire render", () => {
  it("prints one node's JSON, identical to the golden file", async () => {
    const r = await run("render", CORP, "--node", "branch-sha", "--format", "json");
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toBe(await golden("corp", "branch-sha", "branch-sha.json"));
  });

  it("prints a hub's wg-quick files and firewall to stdout, each under a ### header", async () => {
    const r = await run("render", CORP, "--node", "hub-fra");
    expect(r.code).toBe(EXIT.ok);
    const names = ["hw_corp.conf", "hw_corp_hub-sgp.conf", "hubwire.nft"];
    const parts = await Promise.all(
      names.map(async (n) => `### ${n}\n${await golden("corp", "hub-fra", n)}`),
    );
    expect(r.out).toBe(parts.join("\n"));
  });

  it("prints a single-interface node's file as is", async () => {
    const r = await run("render", CORP, "--node", "laptop-alice", "--format", "wg-quick");
    expect(r.out).toBe(await golden("corp", "laptop-alice", "hw_corp_hub-fra.conf"));
    expect(r.out).not.toMatch(/PrivateKey|Table = off/);
  });

  it("writes one IFNAME.conf per interface with --out, plus hubwire.nft for a hub", async () => {
    const hubDir = join(tmp, "out-hub");
    const hub = await run("render", CORP, "--node", "hub-sgp", "--out", hubDir);
    expect(hub.code).toBe(EXIT.ok);
    expect((await readdir(hubDir)).sort()).toEqual(["hubwire.nft", "hw_corp.conf", "hw_corp_hub-fra.conf"]);
    for (const f of await readdir(hubDir)) {
      expect(await readFile(join(hubDir, f), "utf8")).toBe(await golden("corp", "hub-sgp", f));
      expect(hub.out).toContain(join(hubDir, f));
    }

    const spokeDir = join(tmp, "out-spoke");
    expect((await run("render", MESH, "--node", "site-a", "--out", spokeDir)).code).toBe(EXIT.ok);
    expect((await readdir(spokeDir)).sort()).toEqual(["hw_lab.conf", "hw_lab_hub-1.conf"]);

    const jsonDir = join(tmp, "out-json");
    expect((await run("render", MESH, "--node", "site-c", "--format", "json", "--out", jsonDir)).code).toBe(
      EXIT.ok,
    );
    expect(await readdir(jsonDir)).toEqual(["site-c.json"]);
  });

  it("fails clearly for a node that is not in the intent", async () => {
    const r = await run("render", CORP, "--node", "branch-xyz");
    expect(r.code).toBe(EXIT.invalid);
    expect(r.out).toBe("");
    expect(r.err).toMatch(/no node "branch-xyz"/);
    expect(r.err).toContain("hub-fra");
  });

  it("refuses an unknown format as a usage error", async () => {
    const r = await run("render", CORP, "--node", "hub-fra", "--format", "yaml");
    expect(r.code).toBe(EXIT.usage);
  });

  it("reports validation errors instead of rendering an invalid whole", async () => {
    const dir = await editedCorp("render-broken", "hubs.yaml", (t) =>
      t.replace("tunnelAddress: 10.100.0.2", "tunnelAddress: 10.100.0.1"),
    );
    const r = await run("render", dir, "--node", "hub-fra");
    expect(r.code).toBe(EXIT.invalid);
    expect(r.out).toBe("");
    expect(r.err).toMatch(/(^|: )Node\/hub-\w+ spec\.tunnelAddress: .*\[duplicate-address\]$/m);
  });
});

describe("hubwire plan", () => {
  it("says there are no changes between a set and itself", async () => {
    const r = await run("plan", CORP, "--against", CORP);
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toBe("no changes\n");
  });

  it("lists a spoke's subnet change and only the nodes whose configuration it changes", async () => {
    const dir = await editedCorp("plan-subnet", "spokes.yaml", (t) =>
      t.replace("subnets: [10.64.7.0/24]", "subnets: [10.64.17.0/24]"),
    );
    const r = await run("plan", dir, "--against", CORP);
    expect(r.code).toBe(EXIT.ok);
    const lines = r.out.split("\n");
    expect(lines[0]).toBe("~ Node/branch-sha");
    expect(lines[1]).toBe('    spec.subnets: ["10.64.7.0/24"] → ["10.64.17.0/24"]');
    expect(r.out).toContain("2 node configuration(s) change:");
    // Only the hubs carry branch-sha's subnet (peers, routes, firewall sets); nobody else routes it, and
    // branch-sha itself never routes its own LAN into a tunnel, so its configuration is unchanged.
    const nodes = lines.flatMap((l) => /^node (\S+) \(/.exec(l)?.[1] ?? []);
    expect(nodes).toEqual(["hub-fra", "hub-sgp"]);
    expect(r.out).toContain("~ hw_corp: peer branch-sha allowedIPs");
    expect(r.out).toContain("+ hw_corp: route 10.64.17.0/24 metric 100");
    expect(r.out).toContain("- hw_corp: route 10.64.7.0/24 metric 200");
    expect(r.out).toContain("~ firewall rules");
  });

  it("exits 1 on changes with --exit-code", async () => {
    const dir = await editedCorp("plan-exit", "network.yaml", (t) => t.replace("mtu: 1420", "mtu: 1380"));
    const r = await run("plan", dir, "--against", CORP, "--exit-code");
    expect(r.code).toBe(EXIT.invalid);
    expect(r.out).toContain("    spec.mtu: 1420 → 1380");
    expect(r.out).toContain("7 node configuration(s) change:");
  });

  it("treats a missing --against as an empty set: every resource and node is new", async () => {
    const r = await run("plan", MESH);
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toContain("+ Network/lab");
    expect(r.out).toContain("5 node configuration(s) change:");
    expect(r.out).toMatch(/^node site-a \(none → [0-9a-f]{12}\):$/m);
  });
});
