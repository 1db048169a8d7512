import { existsSync } from "node:fs";
import { expect, it } from "vitest";
import { describeWith } from "../../src/testing/prerequisites.js";
import { run } from "./exec.js";
import { useLab, WG_SOCKET_DIR } from "./netns.js";
import { genKeyPair, setPrivateKey, startWireguardGo } from "./wireguard.js";

const IF = "hw_test";

describeWith(["root", "netns", "wireguard-go", "wg", "ip", "nft", "ping"], "netns harness", () => {
  const lab = useLab();

  it("connects two hosts with same-named wireguard-go interfaces and pings through the tunnel", async () => {
    const [a, b] = await Promise.all([lab.addHost("a"), lab.addHost("b")]);
    await lab.connect(a, b, { a: "192.0.2.1/24", b: "192.0.2.2/24" });
    const [keyA, keyB] = await Promise.all([genKeyPair(), genKeyPair()]);

    // Same interface name in both hosts: only works because each has its own socket dir.
    await Promise.all([startWireguardGo(a, IF), startWireguardGo(b, IF)]);
    expect(existsSync(a.path(`${WG_SOCKET_DIR}/${IF}.sock`))).toBe(true);
    expect(existsSync(b.path(`${WG_SOCKET_DIR}/${IF}.sock`))).toBe(true);
    expect(existsSync(`${WG_SOCKET_DIR}/${IF}.sock`)).toBe(false);

    const sides = [
      {
        host: a,
        key: keyA,
        peer: keyB,
        tunnel: "10.99.0.1/32",
        far: "10.99.0.2/32",
        farUnderlay: "192.0.2.2",
      },
      {
        host: b,
        key: keyB,
        peer: keyA,
        tunnel: "10.99.0.2/32",
        far: "10.99.0.1/32",
        farUnderlay: "192.0.2.1",
      },
    ];
    for (const s of sides) {
      await setPrivateKey(s.host, IF, s.key.privateKey, 51820);
      await s.host.wg(
        "set",
        IF,
        "peer",
        s.peer.publicKey,
        "endpoint",
        `${s.farUnderlay}:51820`,
        "allowed-ips",
        s.far,
      );
      await s.host.ip("addr", "add", s.tunnel, "dev", IF);
      await s.host.ip("link", "set", IF, "up");
      await s.host.ip("route", "add", s.far, "dev", IF);
    }

    await a.run("ping", ["-c", "1", "-W", "2", "10.99.0.2"]);

    const dump = (await b.wg("show", IF, "dump")).stdout.trim().split("\n");
    expect(dump[0]?.split("\t")[1]).toBe(keyB.publicKey);
    const peer = dump[1]?.split("\t") ?? [];
    expect(peer[0]).toBe(keyA.publicKey);
    expect(Number(peer[4])).toBeGreaterThan(0); // latest handshake
  });

  it("runs nft inside a host without touching ours", async () => {
    const c = await lab.addHost("c");
    const table = `hwt_${process.pid}`;
    await c.nft(["-f", "-"], {
      input: `table inet ${table} {\n  chain input {\n    type filter hook input priority 0;\n  }\n}\n`,
    });
    expect((await c.nft(["list", "tables"])).stdout).toContain(`table inet ${table}`);
    expect((await run("nft", ["list", "tables"])).stdout).not.toContain(table);
  });

  it("leaves no namespace or process behind after cleanup", async () => {
    const namespaces = lab.namespaces;
    const pids = lab.pids;
    expect(namespaces.length).toBe(3);
    expect(pids.length).toBe(5); // three anchors, two wireguard-go
    await lab.cleanup();

    const listed = (await run("ip", ["netns", "list"])).stdout;
    for (const ns of namespaces) expect(listed).not.toContain(ns);
    for (const pid of pids) expect(existsSync(`/proc/${pid}`), `pid ${pid} still exists`).toBe(false);
  });
});
