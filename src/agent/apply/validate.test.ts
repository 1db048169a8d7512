import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { DesiredState } from "../../model/index.js";
import { validateDesiredState } from "./validate.js";

const GOLDEN = join(import.meta.dirname, "../../compile/testdata/golden");
const states = (): DesiredState[] =>
  readdirSync(GOLDEN).flatMap((set) =>
    readdirSync(join(GOLDEN, set)).map(
      (node) => JSON.parse(readFileSync(join(GOLDEN, set, node, `${node}.json`), "utf8")) as DesiredState,
    ),
  );
const hub = () => states().find((s) => s.node === "hub-fra")!;

describe("validateDesiredState", () => {
  it("accepts every compiled golden state", () => {
    for (const s of states()) expect(validateDesiredState(s), s.node).toEqual([]);
  });

  it("refuses interface names that are not hubwire's", () => {
    const d = hub();
    const bad = { ...d, interfaces: [{ ...d.interfaces[0]!, name: "eth0" }] };
    expect(validateDesiredState(bad)).toEqual([
      expect.stringMatching(/^interfaces\[0\]\.name "eth0" is not a hubwire interface name/),
    ]);
  });

  it("refuses values that would inject into ip -batch or wg argv", () => {
    const d = hub();
    const i0 = d.interfaces[0]!;
    const bad: DesiredState = {
      ...d,
      interfaces: [
        {
          ...i0,
          mtu: 100,
          addresses: ["10.0.0.1/24"],
          routes: [{ prefix: "10.1.0.0/16\nlink del eth0", metric: 100 }],
          peers: [{ ...i0.peers[0]!, publicKey: "nope", endpoint: "a b:1", allowedIPs: ["x"] }],
        },
      ],
    };
    const problems = validateDesiredState(bad);
    expect(problems.join("\n")).toMatch(/mtu must be 1280–9000/);
    expect(problems.join("\n")).toMatch(/addresses\[0\] "10\.0\.0\.1\/24" is not a host address/);
    expect(problems.join("\n")).toMatch(/routes\[0\]\.prefix .* is not a prefix/);
    expect(problems.join("\n")).toMatch(/publicKey is not a WireGuard key/);
    expect(problems.join("\n")).toMatch(/endpoint "a b:1" is not host:port/);
    expect(problems.join("\n")).toMatch(/allowedIPs\[0\] "x" is not a prefix/);
  });

  it("refuses a firewall script that reaches beyond its own table", () => {
    const d = hub();
    const fw = d.firewall!;
    expect(
      validateDesiredState({ ...d, firewall: { ...fw, script: `flush ruleset\n${fw.script}` } }),
    ).toEqual(["firewall.script line 1: only table inet hubwire may be defined at top level"]);
    expect(
      validateDesiredState({ ...d, firewall: { ...fw, script: `${fw.script}table ip nat {\n}\n` } }).length,
    ).toBeGreaterThan(0);
    expect(validateDesiredState({ ...d, firewall: { ...fw, script: `${fw.script}}\n` } }).join()).toMatch(
      /unbalanced/,
    );
    expect(validateDesiredState({ ...d, firewall: { table: "x; flush", script: fw.script } }).join()).toMatch(
      /not a table name/,
    );
  });
});
