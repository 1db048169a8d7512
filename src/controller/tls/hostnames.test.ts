/** The names a generated certificate covers: typos must fail at start-up, not at every agent's handshake. */
import { describe, expect, it } from "vitest";
import { dedupeSans, parseSan, sanKey, wantedSans } from "./hostnames.js";

describe("parseSan", () => {
  it.each([
    ["hub.example.com", { type: "dns", value: "hub.example.com" }],
    ["Hub.Example.COM.", { type: "dns", value: "hub.example.com" }],
    ["*.example.com", { type: "dns", value: "*.example.com" }],
    [" controller ", { type: "dns", value: "controller" }],
    ["192.0.2.10", { type: "ip", value: "192.0.2.10" }],
    ["2001:DB8::1", { type: "ip", value: "2001:db8::1" }],
    ["[::1]", { type: "ip", value: "::1" }],
  ])("accepts %j", (raw, want) => {
    expect(parseSan(raw)).toEqual(want);
  });

  it.each([
    "",
    "https://hub.example.com",
    "hub.example.com:443",
    "two words",
    "a..b",
    "-lead.example",
    "fe80::1%eth0",
  ])("refuses %j with a message that quotes it", (raw) => {
    expect(() => parseSan(raw)).toThrow(JSON.stringify(raw));
  });
});

describe("wantedSans", () => {
  it("always has loopback, then this machine, then the extra names, without repeats", () => {
    const got = wantedSans("Box1", ["hub.example.com", "127.0.0.1", "0:0:0:0:0:0:0:1", "box1", "192.0.2.1"]);
    expect(got).toEqual([
      { type: "dns", value: "localhost" },
      { type: "ip", value: "127.0.0.1" },
      { type: "ip", value: "::1" },
      { type: "dns", value: "box1" },
      { type: "dns", value: "hub.example.com" },
      { type: "ip", value: "192.0.2.1" },
    ]);
  });

  it("skips a machine name that is not a DNS name, but not a bad operator name", () => {
    expect(wantedSans("my box", [])).toHaveLength(3);
    expect(() => wantedSans("box", ["bad name"])).toThrow(/bad name/);
  });

  it("compares IPv6 SANs by address, not spelling", () => {
    expect(sanKey({ type: "ip", value: "2001:DB8:0:0:0:0:0:1" })).toBe(
      sanKey({ type: "ip", value: "2001:db8::1" }),
    );
    expect(
      dedupeSans([
        { type: "ip", value: "::1" },
        { type: "ip", value: "0:0:0:0:0:0:0:1" },
      ]),
    ).toHaveLength(1);
  });
});
