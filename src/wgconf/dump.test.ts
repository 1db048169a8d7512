import { describe, expect, it } from "vitest";
import { idlePeer, parseWgDump, WgDumpError } from "./dump.js";

const PRIV = "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=";
const PUB = "HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw=";
const P1 = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=";
const P2 = "TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0=";
const PSK = "FpCyhws9cxwWoV4xELtfJvjJN+zQVRPISllRWgeopVE=";

describe("parseWgDump", () => {
  it("parses one interface with peers, none markers and off keepalive", () => {
    const text = [
      `${PRIV}\t${PUB}\t51820\toff`,
      `${P1}\t${PSK}\t192.0.2.11:51820\t172.16.1.0/24,10.77.0.11/32\t1700000000\t1234\t5678\t25`,
      `${P2}\t(none)\t(none)\t(none)\t0\t0\t0\toff`,
      "",
    ].join("\n");
    const [dev] = parseWgDump(text, "hw_lab");
    expect(dev).toEqual({
      name: "hw_lab",
      publicKey: PUB,
      listenPort: 51820,
      fwmark: 0,
      peers: [
        {
          publicKey: P1,
          presharedKey: PSK,
          endpoint: "192.0.2.11:51820",
          allowedIPs: ["10.77.0.11/32", "172.16.1.0/24"],
          latestHandshake: 1700000000,
          rxBytes: 1234,
          txBytes: 5678,
          persistentKeepalive: 25,
        },
        idlePeer(P2),
      ],
    });
    // The private key is never kept.
    expect(JSON.stringify(dev)).not.toContain(PRIV);
  });

  it("parses `wg show all dump` with several interfaces, one without peers", () => {
    const text = [
      `hw_a\t(none)\t(none)\t0\toff`,
      `hw_b\t${PRIV}\t${PUB}\t51821\t0x10`.replace("0x10", "16"),
      `hw_b\t${P1}\t(none)\t[2001:db8::1]:51820\tfd00::1/128\t0\t1\t2\toff`,
    ].join("\n");
    const devs = parseWgDump(text);
    expect(devs.map((d) => [d.name, d.publicKey, d.listenPort, d.fwmark, d.peers.length])).toEqual([
      ["hw_a", null, 0, 0, 0],
      ["hw_b", PUB, 51821, 16, 1],
    ]);
    expect(devs[1]?.peers[0]?.endpoint).toBe("[2001:db8::1]:51820");
  });

  it("names the line of malformed input", () => {
    expect(() => parseWgDump(`${PRIV}\t${PUB}\t51820\toff\nx\ty`, "hw")).toThrow(WgDumpError);
    expect(() => parseWgDump(`${PRIV}\t${PUB}\tabc\toff`, "hw")).toThrow(/line 1: listen port "abc"/);
    expect(() => parseWgDump(`hw\t${P1}\t(none)\t(none)\t(none)\t0\t0\t0\toff`)).toThrow(
      /before its interface line/,
    );
  });

  it("parses an empty dump as no interfaces", () => {
    expect(parseWgDump("")).toEqual([]);
  });
});
