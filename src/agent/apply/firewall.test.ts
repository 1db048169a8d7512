import { describe, expect, it } from "vitest";
import {
  firewallHash,
  markerChain,
  type SetElementChange,
  setElementChanges,
  setUpdateScript,
  stampFirewallScript,
} from "./firewall.js";

/** A compiler-shaped script with one rule whose sets hold `from` and `to` (IPv4), and `from6`. */
function script(from: string, to = "10.10.0.0/16", from6 = "fd00::1/128", ports = "22, 443"): string {
  return [
    "table inet hubwire",
    "delete table inet hubwire",
    "table inet hubwire {",
    `  set r0_from4 { type ipv4_addr; flags interval; auto-merge; elements = { ${from} } }`,
    `  set r0_to4 { type ipv4_addr; flags interval; auto-merge; elements = { ${to} } }`,
    `  set r0_from6 { type ipv6_addr; flags interval; auto-merge; elements = { ${from6} } }`,
    "  set r0_to6 { type ipv6_addr; flags interval; auto-merge; elements = { fd10::/64 } }",
    "  chain net {",
    `    ip saddr @r0_from4 ip daddr @r0_to4 meta l4proto tcp th dport { ${ports} } accept comment "p rule 0"`,
    '    ip6 saddr @r0_from6 ip6 daddr @r0_to6 accept comment "p rule 0"',
    '    drop comment "network n default"',
    "  }",
    "}",
    "",
  ].join("\n");
}

const changeOf = (set: string, remove: string[], add: string[]): SetElementChange => ({ set, remove, add });

describe("setElementChanges", () => {
  it("is empty for the same script, and for element lists that cover the same addresses", () => {
    const s = script("10.0.0.1/32, 10.1.0.0/24");
    expect(setElementChanges(s, s)).toEqual([]);
    // Reordered, and an element inside a CIDR of the same set: the kernel holds the same intervals.
    expect(setElementChanges(s, script("10.1.0.0/24, 10.0.0.1/32"))).toEqual([]);
    expect(setElementChanges(script("10.0.0.0/8"), script("10.0.0.0/8, 10.1.0.0/24"))).toEqual([]);
  });

  it("adds a lone address and deletes nothing", () => {
    expect(setElementChanges(script("10.0.0.1/32"), script("10.0.0.1/32, 10.0.0.9/32"))).toEqual([
      changeOf("r0_from4", [], ["10.0.0.9"]),
    ]);
  });

  it("replaces a merged interval whole when an adjacent address joins it (nft deletes only what is there exactly)", () => {
    const before = script("10.0.0.1/32, 10.0.0.2/32, 10.0.0.3/32");
    const after = script("10.0.0.1/32, 10.0.0.2/32, 10.0.0.3/32, 10.0.0.4/32");
    expect(setElementChanges(before, after)).toEqual([
      changeOf("r0_from4", ["10.0.0.1-10.0.0.3"], ["10.0.0.1-10.0.0.4"]),
    ]);
    // Adjacent prefixes merge into one prefix, printed as such.
    expect(setElementChanges(script("10.0.0.0/25"), script("10.0.0.0/25, 10.0.0.128/25"))).toEqual([
      changeOf("r0_from4", ["10.0.0.0/25"], ["10.0.0.0/24"]),
    ]);
  });

  it("splits an interval when an address in its middle leaves", () => {
    const before = script("10.0.0.1/32, 10.0.0.2/32, 10.0.0.3/32");
    expect(setElementChanges(before, script("10.0.0.1/32, 10.0.0.3/32"))).toEqual([
      changeOf("r0_from4", ["10.0.0.1-10.0.0.3"], ["10.0.0.1", "10.0.0.3"]),
    ]);
  });

  it("diffs every changed set, IPv6 too, and leaves unchanged ones out", () => {
    const before = script("10.0.0.1/32", "10.10.0.0/16", "fd00::1/128");
    const after = script("10.0.0.1/32", "10.10.0.0/16, 10.20.0.0/16", "fd00::1/128, fd00::2/128");
    expect(setElementChanges(before, after)).toEqual([
      changeOf("r0_to4", [], ["10.20.0.0/16"]),
      changeOf("r0_from6", ["fd00::1"], ["fd00::1-fd00::2"]),
    ]);
  });

  it("is undefined when anything but elements differs, or a set's elements cannot be diffed", () => {
    const s = script("10.0.0.1/32");
    expect(setElementChanges(s, script("10.0.0.1/32", "10.10.0.0/16", "fd00::1/128", "22"))).toBeUndefined();
    expect(setElementChanges(s, s.replace("hubwire {", "hubwire {\n  chain extra {\n  }"))).toBeUndefined();
    expect(setElementChanges(s, s.replace(' comment "p rule 0"', ""))).toBeUndefined();
    // One set fewer (its side emptied): the rules change too, but the element lists alone differ in number.
    expect(
      setElementChanges(s, s.replace(/ {2}set r0_to6 .*\n/, "").replace(/ {4}ip6 saddr .*\n/, "")),
    ).toBeUndefined();
    // A set that is not an auto-merged interval set: its elements are not intervals.
    const plain = (e: string) =>
      s.replace("flags interval; auto-merge; elements = { 10.0.0.1/32 }", `elements = { ${e} }`);
    expect(setElementChanges(plain("10.0.0.1"), plain("10.0.0.1, 10.0.0.2"))).toBeUndefined();
    // Elements the compiler never writes: host bits set, leading zeros, the wrong family, junk.
    for (const bad of ["10.0.0.1/24", "10.0.0.01/32", "10.0.0.1/33", "fd00::1/128", "10.0.0.1/032", "x"])
      expect(setElementChanges(s, script(`10.0.0.1/32, ${bad}`)), bad).toBeUndefined();
    expect(setElementChanges(script("fd00::1/128"), script("fd00::1/128, 10.0.0.1/32"))).toBeUndefined();
  });

  it("takes any old set to any new one: deletes only intervals the old one holds, ends with the new one's (random lists)", () => {
    // A 64-address universe, so coverage can be checked address by address.
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return Math.floor((seed / 2 ** 31) * n); // the high bits: an LCG's low bits cycle quickly
    };
    const randomList = () => {
      const out: string[] = [];
      const count = 1 + rand(8);
      for (let k = 0; k < count; k++) {
        const len = 26 + rand(7); // /26 … /32
        const size = 2 ** (32 - len);
        out.push(`10.0.0.${rand(64 / size) * size}/${len}`);
      }
      return out.join(", ");
    };
    const covered = (list: string) => {
      const bits = new Array<boolean>(64).fill(false);
      for (const e of list.split(", ")) {
        const [a, len] = e.split("/") as [string, string];
        const start = Number(a.split(".")[3]);
        for (let i = start; i < start + 2 ** (32 - Number(len)); i++) bits[i] = true;
      }
      return bits;
    };
    // Maximal runs of covered addresses: what the kernel holds, as `first-last`.
    const runs = (bits: readonly boolean[]) => {
      const out: string[] = [];
      for (let i = 0; i < 64; i++)
        if (bits[i] && !bits[i - 1]) {
          let j = i;
          while (bits[j + 1]) j++;
          out.push(`${i}-${j}`);
        }
      return out;
    };
    const asRun = (text: string) => {
      const last = (ip: string) => Number(ip.split(".")[3]);
      if (text.includes("-")) {
        const [a, b] = text.split("-") as [string, string];
        return `${last(a)}-${last(b)}`;
      }
      if (text.includes("/")) {
        const [a, len] = text.split("/") as [string, string];
        return `${last(a)}-${last(a) + 2 ** (32 - Number(len)) - 1}`;
      }
      return `${last(text)}-${last(text)}`;
    };
    for (let round = 0; round < 500; round++) {
      const from = randomList();
      const to = randomList();
      const changes = setElementChanges(script(from), script(to));
      expect(changes).toBeDefined();
      const live = new Set(runs(covered(from)));
      for (const c of changes!) {
        for (const r of c.remove.map(asRun)) {
          expect(live.has(r), `${from} → ${to}: delete ${r}`).toBe(true);
          live.delete(r);
        }
        for (const r of c.add.map(asRun)) live.add(r);
      }
      expect([...live].sort(), `${from} → ${to}`).toEqual(runs(covered(to)).sort());
    }
  });
});

describe("stampFirewallScript", () => {
  it("puts the marker chain last in the table block", () => {
    const s = script("10.0.0.1/32");
    const out = stampFirewallScript("hubwire", s, "ab".repeat(32));
    expect(out).toBe(
      `${s.slice(0, -2)}  chain applied_sha256_${"ab".repeat(32)} {\n    comment "hubwire: names the script this table holds; changed only with the table"\n  }\n}\n`,
    );
    expect(() => stampFirewallScript("other", s, "x")).toThrow(
      /does not end with the block of table inet other/,
    );
    expect(() => stampFirewallScript("hubwire", `${s}add rule inet hubwire net accept\n`, "x")).toThrow();
  });
});

describe("setUpdateScript", () => {
  it("swaps the marker around the element changes, every delete before any add", () => {
    const from = firewallHash("a");
    const to = firewallHash("b");
    const out = setUpdateScript("hubwire", from, to, [
      changeOf("r0_from4", ["10.0.0.1-10.0.0.3"], ["10.0.0.1-10.0.0.4"]),
      changeOf("r0_to4", ["10.9.0.0/16"], []),
    ]);
    expect(out.split("\n")).toEqual([
      `delete chain inet hubwire ${markerChain(from)}`,
      "delete element inet hubwire r0_from4 { 10.0.0.1-10.0.0.3 }",
      "delete element inet hubwire r0_to4 { 10.9.0.0/16 }",
      "add element inet hubwire r0_from4 { 10.0.0.1-10.0.0.4 }",
      `add chain inet hubwire ${markerChain(to)} { comment "hubwire: names the script this table holds; changed only with the table"; }`,
      "",
    ]);
  });
});
