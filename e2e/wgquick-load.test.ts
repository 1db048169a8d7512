import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { describeWith } from "../src/testing/prerequisites.js";
import { useLab } from "./harness/netns.js";
import { loadWgQuickFile, parseDump } from "./wgquick-load.js";

const SAMPLE = fileURLToPath(new URL("./testdata/sample/hw_corp.conf", import.meta.url));

describe("parseDump", () => {
  it("reads listen port and peers; a dump without peers has none", () => {
    const dump =
      "(none)\tPUB\t51820\toff\nPEER1\t(none)\t(none)\t10.0.0.0/8\t0\t0\t0\toff\nPEER2\t(none)\t(none)\t(none)\t0\t0\t0\t25\n";
    expect(parseDump(dump)).toEqual({ listenPort: 51820, peerCount: 2, peerPublicKeys: ["PEER1", "PEER2"] });
    expect(parseDump("(none)\tPUB\t4242\toff\n")).toEqual({
      listenPort: 4242,
      peerCount: 0,
      peerPublicKeys: [],
    });
  });
});

describeWith(["root", "netns", "wireguard-go", "wg", "wg-quick", "ip"], "loadWgQuickFile", () => {
  const lab = useLab();

  it("strips wg-quick keys and loads the sample into wireguard-go", async () => {
    const host = await lab.addHost("node");
    // Any interface name, not the file's: the function renames its copy.
    const loaded = await loadWgQuickFile(host, SAMPLE, "hw-x");

    expect(loaded.stripped).not.toMatch(/^\s*(Address|MTU|Table|PostUp)\s*=/im);
    expect(loaded.stripped).toMatch(/^ListenPort = 51820$/m);
    expect(loaded).toMatchObject({
      ifname: "hw-x",
      listenPort: 51820,
      peerCount: 2,
      peerPublicKeys: expect.arrayContaining([
        "0xWxe8cVi1LQ1uMRtPVv+2BH44S+Z5mlOYX+oZodRVI=",
        "vOOWQlzaFlH+K5rJKCU0d5EpJGgiyNtCtA51cQCiCTM=",
      ]),
    });
    // wg-quick keys were not applied: no address, no PostUp route.
    expect((await host.ip("-4", "addr", "show", "dev", "hw-x")).stdout).not.toContain("inet ");
    expect((await host.ip("route", "show", "10.64.0.0/16")).stdout.trim()).toBe("");
    const allowed = (await host.wg("show", "hw-x", "allowed-ips")).stdout;
    expect(allowed).toContain("10.64.0.0/16 10.99.1.0/24");
    expect(allowed).toContain("10.65.0.0/16");
  });

  it("rejects an interface name wg-quick would not accept", async () => {
    const host = await lab.addHost("bad");
    await expect(loadWgQuickFile(host, SAMPLE, "much-too-long-name")).rejects.toThrow(/must match/);
  });
});
