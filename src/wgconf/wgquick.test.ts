/**
 * wg-quick rendering from hand-built desired states (wgconf may not import the
 * compiler): no private key ever, nothing that can break out of a line or into
 * a PostUp shell command, and the external-peer differences.
 */
import { describe, expect, it } from "vitest";
import type { DesiredState, InterfaceConfig, PeerConfig } from "../model/index.js";
import { PRIVATE_KEY_PLACEHOLDER, renderInterface, renderJson, renderWgQuick } from "./wgquick.js";

const HUB_KEY = "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=";
const SPOKE_KEY = "3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08=";
// A private key in the same format: if it ever showed up, the test would see it.
const PRIVATE_LOOKING = "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=";

function peer(over: Partial<PeerConfig> = {}): PeerConfig {
  return {
    name: "hub-fra",
    publicKey: HUB_KEY,
    endpoint: "203.0.113.10:51820",
    allowedIPs: ["10.10.0.0/16", "10.100.0.1/32"],
    persistentKeepalive: 25,
    ...over,
  };
}

function uplink(over: Partial<InterfaceConfig> = {}): InterfaceConfig {
  return {
    name: "hw_corp_hub-fra",
    purpose: "uplink",
    remote: "hub-fra",
    priority: 0,
    listenPort: 51820,
    addresses: ["10.100.1.7/32", "fd10:100::7/128"],
    mtu: 1420,
    peers: [peer()],
    routes: [
      { prefix: "10.10.0.0/16", metric: 100 },
      { prefix: "10.100.0.1/32", metric: 100 },
    ],
    ...over,
  };
}

function state(over: Partial<DesiredState> = {}): DesiredState {
  return {
    apiVersion: "hubwire/v1",
    kind: "NodeConfig",
    protocol: 1,
    node: "branch-sha",
    network: "corp",
    role: "spoke",
    revision: "0123456789abcdef0123456789abcdef",
    forwarding: false,
    interfaces: [uplink()],
    ...over,
  };
}

const lines = (text: string) => text.split("\n");

describe("renderInterface", () => {
  it("renders a spoke uplink: explicit routes with metrics, Table = off, key by file", () => {
    const s = state();
    expect(renderInterface(s, s.interfaces[0]!)).toBe(
      [
        "# hubwire: node branch-sha, network corp, revision 0123456789abcdef0123456789abcdef",
        "# interface hw_corp_hub-fra: uplink to hub hub-fra (priority 0). Generated; changes are overwritten.",
        "[Interface]",
        "ListenPort = 51820",
        "Address = 10.100.1.7/32, fd10:100::7/128",
        "MTU = 1420",
        "Table = off",
        "PostUp = wg set %i private-key /var/lib/hubwire/private.key",
        "PostUp = ip route add 10.10.0.0/16 dev %i metric 100",
        "PostUp = ip route add 10.100.0.1/32 dev %i metric 100",
        "",
        "[Peer]",
        "# hub-fra",
        `PublicKey = ${HUB_KEY}`,
        "Endpoint = 203.0.113.10:51820",
        "AllowedIPs = 10.10.0.0/16, 10.100.0.1/32",
        "PersistentKeepalive = 25",
        "",
      ].join("\n"),
    );
  });

  it("never writes a private key, only a reference to the node-local key file", () => {
    const s = state({
      role: "hub",
      interfaces: [
        uplink({
          peers: [peer(), peer({ name: "branch-sha", publicKey: SPOKE_KEY, presharedKeyRef: "corp.a.b" })],
        }),
      ],
    });
    for (const f of renderWgQuick(s, { privateKeyFile: "/etc/hubwire/node.key" })) {
      expect(f.text).not.toMatch(/PrivateKey/i);
      expect(f.text).not.toContain(PRIVATE_LOOKING);
      expect(f.text).toContain("PostUp = wg set %i private-key /etc/hubwire/node.key\n");
      // Every key-shaped token is one of the peers' public keys.
      const keys = f.text.match(/[A-Za-z0-9+/]{43}=/g) ?? [];
      for (const k of keys) expect([HUB_KEY, SPOKE_KEY]).toContain(k);
    }
  });

  it("points wg at a preshared-key file by reference, never inlines one", () => {
    const s = state({
      interfaces: [uplink({ peers: [peer({ presharedKeyRef: "corp.branch-sha.hub-fra" })] })],
    });
    const text = renderInterface(s, s.interfaces[0]!, { presharedKeyDir: "/run/psk" });
    expect(text).toContain(
      `PostUp = wg set %i peer ${HUB_KEY} preshared-key /run/psk/corp.branch-sha.hub-fra.psk\n`,
    );
    expect(text).not.toMatch(/PresharedKey\s*=/);
  });

  it("leaves out what is absent: ListenPort, Endpoint, keepalive 0", () => {
    const s = state({
      interfaces: [
        uplink({ listenPort: undefined, peers: [peer({ endpoint: undefined, persistentKeepalive: 0 })] }),
      ],
    });
    const text = renderInterface(s, s.interfaces[0]!);
    expect(text).not.toContain("ListenPort");
    expect(text).not.toContain("Endpoint");
    expect(text).not.toContain("PersistentKeepalive");
  });

  it("marks overridden peers", () => {
    const s = state({ interfaces: [uplink({ peers: [peer({ override: "fra-emergency" })] })] });
    expect(lines(renderInterface(s, s.interfaces[0]!))).toContain("# hub-fra (override fra-emergency)");
  });

  it("describes each purpose of interface in its header", () => {
    const about = (i: InterfaceConfig) => lines(renderInterface(state({ role: "hub" }), i))[1];
    expect(about(uplink({ priority: 2 }))).toContain("uplink to hub hub-fra (priority 2)");
    expect(about(uplink({ purpose: "hub-link", priority: undefined }))).toContain("link to hub hub-fra");
    expect(about(uplink({ name: "hw_corp", purpose: "hub-spokes", remote: undefined }))).toContain(
      "spokes of this hub",
    );
    expect(about(uplink({ name: "hw_corp", purpose: "mesh", remote: undefined }))).toContain(
      "direct mesh peers",
    );
  });
});

describe("external nodes", () => {
  const external = state({
    node: "laptop-alice",
    role: "external",
    interfaces: [
      uplink({ listenPort: undefined }),
      uplink({ name: "hw_corp_hub-sgp", remote: "hub-sgp", priority: 1, listenPort: undefined }),
    ],
  });

  it("keep wg-quick's own routing: no Table = off, no route PostUps", () => {
    for (const f of renderWgQuick(external)) {
      expect(f.text).not.toContain("Table = off");
      expect(f.text).not.toContain("ip route");
    }
  });

  it("get a per-interface key file and a note that only one file is up at a time", () => {
    const [fra, sgp] = renderWgQuick(external);
    expect(fra!.text).toContain("PostUp = wg set %i private-key /etc/wireguard/hw_corp_hub-fra.key\n");
    expect(sgp!.text).toContain("PostUp = wg set %i private-key /etc/wireguard/hw_corp_hub-sgp.key\n");
    expect(fra!.text).toContain("# One file per hub: bring up only one of them at a time.");
  });

  it("for WireGuard's apps, carry a PrivateKey line (the key, or a placeholder to paste over) and no key PostUp", () => {
    const [withKey] = renderWgQuick(external, { inlinePrivateKey: HUB_KEY });
    expect(withKey!.text).toContain(`\nPrivateKey = ${HUB_KEY}\n`);
    expect(withKey!.text).not.toContain("private-key");
    const [pasted] = renderWgQuick(external, { inlinePrivateKey: PRIVATE_KEY_PLACEHOLDER });
    expect(pasted!.text).toContain(
      "# Replace the placeholder with this device's private key.\nPrivateKey = <paste this device's private key here>\n",
    );
    expect(pasted!.text).not.toContain("private-key");
    expect(() => renderWgQuick(external, { inlinePrivateKey: "not a key\nPostUp = reboot" })).toThrow(
      /refusing to render unsafe value/,
    );
  });

  it("managed nodes always get Table = off", () => {
    for (const role of ["hub", "spoke"] as const) {
      for (const f of renderWgQuick(state({ role }))) expect(f.text).toContain("\nTable = off\n");
    }
  });
});

describe("refusing unsafe values", () => {
  const render = (s: DesiredState) => () => renderWgQuick(s);
  const withPeer = (over: Partial<PeerConfig>) => state({ interfaces: [uplink({ peers: [peer(over)] })] });

  it.each([
    ["an endpoint with a newline", withPeer({ endpoint: "203.0.113.10:51820\n[Peer]" })],
    ["an endpoint with '='", withPeer({ endpoint: "a=b:1" })],
    ["a peer name with a newline", withPeer({ name: "x\nPublicKey = evil" })],
    ["an allowed IP with a carriage return", withPeer({ allowedIPs: ["10.0.0.0/8\r"] })],
    ["a public key with a newline", withPeer({ publicKey: `${HUB_KEY}\n` })],
    ["an address with a NUL", state({ interfaces: [uplink({ addresses: ["10.0.0.1/32\u0000"] })] })],
    ["an override name with DEL", withPeer({ override: "x\u007f" })],
  ])("throws on %s", (_, s) => {
    expect(render(s)).toThrow(/refusing to render unsafe value/);
  });

  it.each([
    ["a private-key path with a space and command", { privateKeyFile: "/tmp/k; reboot" }],
    ["a relative private-key path", { privateKeyFile: "keys/node.key" }],
    ["a psk folder with $()", { presharedKeyDir: "/run/$(reboot)" }],
  ])("throws on %s", (_, options) => {
    const s = withPeer({ presharedKeyRef: "corp.a.b" });
    expect(() => renderWgQuick(s, options)).toThrow(/unsafe file path/);
  });

  it("throws on a preshared-key reference that would escape the key folder or the PostUp line", () => {
    expect(render(withPeer({ presharedKeyRef: "x; reboot" }))).toThrow(/unsafe file path/);
  });

  // PostUp lines run through a shell (wg-quick evals hooks). Values interpolated
  // there must be refused when they carry shell syntax, not only control characters.
  it.each([
    [
      "a route prefix",
      state({ interfaces: [uplink({ routes: [{ prefix: "10.0.0.0/8; reboot", metric: 100 }] })] }),
    ],
    [
      "a route prefix with $()",
      state({ interfaces: [uplink({ routes: [{ prefix: "$(reboot)", metric: 1 }] })] }),
    ],
    [
      "a public key used in a preshared-key PostUp",
      withPeer({ publicKey: "k; reboot", presharedKeyRef: "corp.a.b" }),
    ],
  ])("refuses shell syntax in %s (PostUp is a shell command)", (_, s) => {
    expect(render(s)).toThrow(/unsafe/);
  });
});

describe("renderWgQuick and renderJson", () => {
  it("gives one IFNAME.conf per interface, in the state's order", () => {
    const s = state({
      interfaces: [uplink(), uplink({ name: "hw_corp_hub-sgp", remote: "hub-sgp", priority: 1 })],
    });
    expect(renderWgQuick(s).map((f) => f.name)).toEqual(["hw_corp_hub-fra.conf", "hw_corp_hub-sgp.conf"]);
  });

  it("renders JSON that round-trips, with two-space indent and a trailing newline", () => {
    const s = state();
    const text = renderJson(s);
    expect(text.endsWith("}\n")).toBe(true);
    expect(text.split("\n")[1]).toBe('  "apiVersion": "hubwire/v1",');
    expect(JSON.parse(text)).toEqual(s);
    expect(renderJson(JSON.parse(text))).toBe(text);
  });
});
