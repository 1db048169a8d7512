import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatEndpoint, parseEndpoint } from "./endpoint.js";
import { formatIp } from "./prefix.js";

// biome-ignore lint/suspicious/noControlCharactersInRegex: detecting them is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

describe("parseEndpoint accepts", () => {
  it.each([
    ["198.51.100.7:51820", "198.51.100.7", 51820, 4, 0xc6336407n],
    ["0.0.0.0:1", "0.0.0.0", 1, 4, 0n],
    ["203.0.113.10:65535", "203.0.113.10", 65535, 4, 0xcb00710an],
    ["[2001:db8::1]:51820", "2001:db8::1", 51820, 6, 0x20010db8000000000000000000000001n],
    ["[::1]:1", "::1", 1, 6, 1n],
  ] as const)("%s (IP literal)", (text, host, port, family, value) => {
    expect(parseEndpoint(text)).toEqual({ ok: true, endpoint: { host, port, address: { family, value } } });
  });

  it.each([
    ["vpn.example.com:51820", "vpn.example.com", 51820],
    ["VPN.Example.COM:51820", "VPN.Example.COM", 51820],
    ["localhost:1", "localhost", 1],
    ["a-b.c-d.example:443", "a-b.c-d.example", 443],
    ["1a.example:443", "1a.example", 443],
    [`${"a".repeat(63)}.example:1`, `${"a".repeat(63)}.example`, 1],
  ])("%s (host name, no address)", (text, host, port) => {
    const parsed = parseEndpoint(text);
    expect(parsed).toEqual({ ok: true, endpoint: { host, port } });
  });
});

describe("parseEndpoint refuses", () => {
  it.each([
    ["empty", ""],
    ["no port", "198.51.100.7"],
    ["empty port", "198.51.100.7:"],
    ["port 0", "198.51.100.7:0"],
    ["port 65536", "198.51.100.7:65536"],
    ["port 70000", "198.51.100.7:70000"],
    ["port with six digits", "198.51.100.7:518200"],
    ["port with a leading zero", "198.51.100.7:051820"],
    ["port 00", "198.51.100.7:00"],
    ["signed port", "198.51.100.7:+51820"],
    ["non-numeric port", "198.51.100.7:wg"],
    ["two ports", "198.51.100.7:51820:51821"],
    ["no host", ":51820"],
    ["IPv6 without brackets", "2001:db8::1:51820"],
    ["IPv6 loopback without brackets", "::1:51820"],
    ["bracketed IPv6 without port", "[2001:db8::1]"],
    ["bracketed IPv6 with an empty port", "[2001:db8::1]:"],
    ["bracketed IPv4", "[198.51.100.7]:51820"],
    ["bracketed host name", "[vpn.example.com]:51820"],
    ["IPv6 zone id", "[fe80::1%eth0]:51820"],
    ["unclosed bracket", "[2001:db8::1:51820"],
    ["stray '['", "198.51.100.7[:51820"],
    ["stray ']'", "198.51.100.7]:51820"],
    ["text after the bracket", "[::1]x:51820"],
    ["'[' section injection", "198.51.100.7:51820\n[Peer]"],
    ["newline in the host", "vpn\n.example.com:51820"],
    ["trailing newline", "198.51.100.7:51820\n"],
    ["carriage return", "198.51.100.7:51820\r"],
    ["'host =x'", "host =x:51820"],
    ["'=' in the host", "a=b:51820"],
    ["space in the host", "vpn example.com:51820"],
    ["leading space", " 198.51.100.7:51820"],
    ["tab", "198.51.100.7:\t51820"],
    ["'#' comment", "vpn.example.com#x:51820"],
    ["underscore in a host name", "vpn_1.example.com:51820"],
    ["label starting with '-'", "-vpn.example.com:51820"],
    ["label ending with '-'", "vpn-.example.com:51820"],
    ["empty label", "vpn..example.com:51820"],
    ["label of 64 characters", `${"a".repeat(64)}.example:51820`],
    ["host name over 253 characters", `${"abcdefg.".repeat(32)}com:51820`],
    ["octet above 255", "198.51.100.256:51820"],
    ["three octets", "198.51.100:51820"],
    ["leading zero in an octet", "198.051.100.7:51820"],
    ["a scheme", "udp://198.51.100.7:51820"],
  ])("%s", (_what, text) => {
    const parsed = parseEndpoint(text);
    expect(parsed.ok, JSON.stringify(parsed)).toBe(false);
    if (!parsed.ok) expect(parsed.message.length).toBeGreaterThan(0);
  });

  it("without echoing control characters in the message", () => {
    const inputs = [
      "198.51.100.7:51820\n[Peer]",
      "vpn\u001b[2J.example.com:51820",
      "\u0000:51820",
      // Regression guard (was a bug): the bracketed part goes into the message raw.
      "[\u001b[2J\n[Peer]:51820",
    ];
    for (const text of inputs) {
      const parsed = parseEndpoint(text);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.message, JSON.stringify(text)).not.toMatch(CONTROL);
    }
  });
});

describe("parseEndpoint properties", () => {
  const v4 = fc.bigInt({ min: 0n, max: (1n << 32n) - 1n }).map((value) => formatIp({ family: 4, value }));
  const v6 = fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }).map((value) => formatIp({ family: 6, value }));
  const port = fc.integer({ min: 1, max: 65535 });

  it("round-trips formatEndpoint for every IPv4 and IPv6 address and port", () => {
    fc.assert(
      fc.property(fc.oneof(v4, v6), port, (host, p) => {
        const text = formatEndpoint(host, p);
        expect(text.startsWith("[")).toBe(host.includes(":"));
        const parsed = parseEndpoint(text);
        expect(parsed.ok).toBe(true);
        if (parsed.ok) {
          expect(parsed.endpoint.host).toBe(host);
          expect(parsed.endpoint.port).toBe(p);
          expect(parsed.endpoint.address && formatIp(parsed.endpoint.address)).toBe(host);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("refuses every port outside 1–65535", () => {
    fc.assert(
      fc.property(v4, fc.oneof(fc.constant(0), fc.integer({ min: 65536, max: 99999 })), (host, p) => {
        expect(parseEndpoint(`${host}:${p}`).ok).toBe(false);
      }),
      { numRuns: 100 },
    );
  });

  it("on any text: never throws, and what it accepts is safe to write into a config", () => {
    const alphabet = fc.constantFrom(..."ab1.:[]=# \n\t%-_0f".split(""));
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: alphabet, maxLength: 24 })), (text) => {
        const parsed = parseEndpoint(text);
        if (!parsed.ok) return;
        expect(text).not.toMatch(/[\s=#%]/);
        expect(text).not.toMatch(CONTROL);
        expect(formatEndpoint(parsed.endpoint.host, parsed.endpoint.port)).toBe(text);
        expect(parsed.endpoint.port).toBeGreaterThanOrEqual(1);
        expect(parsed.endpoint.port).toBeLessThanOrEqual(65535);
      }),
      { numRuns: 200 },
    );
  });
});

describe("formatEndpoint", () => {
  it("brackets IPv6 only", () => {
    expect(formatEndpoint("198.51.100.7", 51820)).toBe("198.51.100.7:51820");
    expect(formatEndpoint("2001:db8::1", 51820)).toBe("[2001:db8::1]:51820");
    expect(formatEndpoint("vpn.example.com", 1)).toBe("vpn.example.com:1");
  });
});
