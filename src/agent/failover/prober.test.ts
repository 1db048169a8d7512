import { describe, expect, it } from "vitest";
import { parsePingLine } from "./prober.js";

describe("parsePingLine", () => {
  it("reads replies, unanswered echoes and ICMP errors of `ping -n -O`", () => {
    expect(parsePingLine("64 bytes from 10.100.0.1: icmp_seq=3 ttl=64 time=0.612 ms")).toEqual({
      seq: 3,
      outcome: { answered: true, rttMs: 0.612 },
    });
    expect(parsePingLine("no answer yet for icmp_seq=4")).toEqual({ seq: 4, outcome: { answered: false } });
    expect(parsePingLine("From 10.100.1.1 icmp_seq=5 Destination Host Unreachable")).toEqual({
      seq: 5,
      outcome: { answered: false },
    });
    expect(parsePingLine("PING 10.100.0.1 (10.100.0.1) 56(84) bytes of data.")).toBeUndefined();
  });
});
