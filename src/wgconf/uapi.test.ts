import { describe, expect, it } from "vitest";
import { idlePeer } from "./dump.js";
import {
  base64KeyToHex,
  hexKeyToBase64,
  parseUapiErrno,
  parseUapiGet,
  renderUapiSet,
  UapiErrnoError,
  UapiError,
} from "./uapi.js";

const hex = (b: number) => b.toString(16).padStart(2, "0").repeat(32);
const b64 = (b: number) => Buffer.alloc(32, b).toString("base64");
const pubOf = (priv: string) => `pub(${priv})`;

const GET = [
  `private_key=${hex(1)}`,
  "listen_port=51820",
  "fwmark=7",
  `public_key=${hex(2)}`,
  `preshared_key=${"0".repeat(64)}`,
  "protocol_version=1",
  "endpoint=192.0.2.9:51820",
  "last_handshake_time_sec=1700000000",
  "last_handshake_time_nsec=5",
  "tx_bytes=10",
  "rx_bytes=20",
  "persistent_keepalive_interval=25",
  "allowed_ip=10.1.0.0/24",
  "allowed_ip=10.0.0.2/32",
  `public_key=${hex(3)}`,
  `preshared_key=${hex(4)}`,
  "last_handshake_time_sec=0",
  "persistent_keepalive_interval=0",
  "errno=0",
  "",
  "",
].join("\n");

describe("parseUapiGet", () => {
  it("reads the device and every peer, keys as base64, allowed IPs sorted", () => {
    expect(parseUapiGet(GET, "hw_a", pubOf)).toEqual({
      name: "hw_a",
      publicKey: `pub(${b64(1)})`,
      listenPort: 51820,
      fwmark: 7,
      peers: [
        {
          publicKey: b64(2),
          presharedKey: null,
          endpoint: "192.0.2.9:51820",
          allowedIPs: ["10.0.0.2/32", "10.1.0.0/24"],
          latestHandshake: 1700000000,
          rxBytes: 20,
          txBytes: 10,
          persistentKeepalive: 25,
        },
        { ...idlePeer(b64(3)), presharedKey: b64(4) },
      ],
    });
  });

  it("keeps no private key: only what publicKeyOf derives from it", () => {
    expect(JSON.stringify(parseUapiGet(GET, "hw_a", () => "P"))).not.toContain(b64(1));
  });

  it("gives publicKey null and port 0 for a bare device", () => {
    expect(parseUapiGet("errno=0\n\n", "hw_a", pubOf)).toEqual({
      name: "hw_a",
      publicKey: null,
      listenPort: 0,
      fwmark: 0,
      peers: [],
    });
  });

  it("refuses a truncated answer, a bad line, a bad key and a non-zero errno", () => {
    expect(() => parseUapiGet("listen_port=1\n", "hw_a", pubOf)).toThrow(/ended without errno=/);
    expect(() => parseUapiGet("garbage\nerrno=0\n\n", "hw_a", pubOf)).toThrow(UapiError);
    expect(() => parseUapiGet("public_key=abc\nerrno=0\n\n", "hw_a", pubOf)).toThrow(
      /peer public_key "abc" is not 64 hex digits/,
    );
    expect(() => parseUapiGet("listen_port=x\nerrno=0\n\n", "hw_a", pubOf)).toThrow(/listen_port "x"/);
    expect(() => parseUapiGet("errno=2\n\n", "hw_a", pubOf)).toThrow(UapiErrnoError);
    expect(() => parseUapiGet("errno=-22\n\n", "hw_a", pubOf)).toThrow(/get hw_a: errno=-22/);
  });

  it("skips keys it does not know", () => {
    const d = parseUapiGet(`public_key=${hex(2)}\nfuture_thing=1\nerrno=0\n\n`, "x", pubOf);
    expect(d.peers).toHaveLength(1);
  });
});

describe("renderUapiSet", () => {
  it("writes only the listed peers, with replace_allowed_ips and the zero key for no PSK", () => {
    expect(
      renderUapiSet({
        listenPort: 51820,
        peers: [
          { publicKey: b64(2), remove: true },
          {
            publicKey: b64(3),
            presharedKey: null,
            endpoint: "[2001:db8::1]:51820",
            persistentKeepalive: 25,
            allowedIPs: ["10.0.0.3/32", "10.3.0.0/24"],
          },
          { publicKey: b64(5), presharedKey: b64(6), allowedIPs: [] },
        ],
      }),
    ).toBe(
      `set=1\nlisten_port=51820\npublic_key=${hex(2)}\nremove=true\n` +
        `public_key=${hex(3)}\npreshared_key=${"0".repeat(64)}\nendpoint=[2001:db8::1]:51820\n` +
        "persistent_keepalive_interval=25\nreplace_allowed_ips=true\n" +
        "allowed_ip=10.0.0.3/32\nallowed_ip=10.3.0.0/24\n" +
        `public_key=${hex(5)}\npreshared_key=${hex(6)}\nreplace_allowed_ips=true\n\n`,
    );
  });

  it("leaves absent fields out", () => {
    expect(renderUapiSet({ peers: [{ publicKey: b64(2) }] })).toBe(`set=1\npublic_key=${hex(2)}\n\n`);
  });

  it("refuses values that would break the line protocol, and bad keys and numbers", () => {
    expect(() => renderUapiSet({ peers: [{ publicKey: "nope" }] })).toThrow(/peer public key/);
    expect(() =>
      renderUapiSet({ peers: [{ publicKey: b64(2), endpoint: "1.2.3.4:5\nremove=true" }] }),
    ).toThrow(/endpoint/);
    expect(() => renderUapiSet({ listenPort: 70000 })).toThrow(/listen port 70000/);
    expect(() => renderUapiSet({ peers: [{ publicKey: b64(2), persistentKeepalive: -1 }] })).toThrow(
      /keepalive/,
    );
  });
});

describe("helpers", () => {
  it("round-trips keys and reads errno", () => {
    expect(hexKeyToBase64(base64KeyToHex(b64(9)))).toBe(b64(9));
    expect(parseUapiErrno("errno=0\n\n")).toBe(0);
    expect(parseUapiErrno("errno=22\n\n")).toBe(22);
    expect(parseUapiErrno("errno=-98\n\n")).toBe(-98);
    expect(() => parseUapiErrno("")).toThrow(/no errno=/);
  });
});
