/** The join token text: round trip, and clear refusals that never echo the secret. */
import { describe, expect, it } from "vitest";
import { formatJoinToken, type JoinToken, JoinTokenError, parseJoinToken } from "./join-token.js";

const TOKEN: JoinToken = {
  v: 1,
  id: "0123456789ab",
  secret: "s".repeat(43),
  policy: "branches",
  network: "corp",
  role: "spoke",
  urls: ["https://controller.example:7443"],
  caSha256: "ab".repeat(32),
  audience: "hw-0011223344556677",
  controllerKey: "L6KfRXubzWmR04o4H1w0ShrfdpyfBZOVsKel7moq5CM=" as JoinToken["controllerKey"],
};

const encode = (o: object) => `hwjoin1.${Buffer.from(JSON.stringify(o)).toString("base64url")}`;

describe("join tokens", () => {
  it("round-trips, ignoring whitespace around the pasted text", () => {
    const text = formatJoinToken(TOKEN);
    expect(text).toMatch(/^hwjoin1\.[A-Za-z0-9_-]+$/);
    expect(parseJoinToken(`  ${text}\n`)).toEqual(TOKEN);
  });

  it.each([
    ["a wrong prefix", "hwjoin2.abc", /starts with hwjoin1\./],
    ["non-base64url text", "hwjoin1.a+b/c", /not base64url/],
    ["a truncated token", formatJoinToken(TOKEN).slice(0, 40), /does not decode|field/],
    ["another version", encode({ ...TOKEN, v: 2 }), /version/],
    ["an http URL", encode({ ...TOKEN, urls: ["http://controller:7070"] }), /urls\.0/],
    ["no URL", encode({ ...TOKEN, urls: [] }), /no controller URL/],
    ["a bad pin", encode({ ...TOKEN, caSha256: "AB".repeat(32) }), /caSha256/],
    ["an unknown field", encode({ ...TOKEN, extra: 1 }), /field/],
  ])("refuses %s", (_what, text, message) => {
    let error: unknown;
    try {
      parseJoinToken(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(JoinTokenError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain(TOKEN.secret);
  });
});
