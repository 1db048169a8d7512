/** Password hashes and token secrets: the parameters are a contract with stored data, so they are pinned. */
import { describe, expect, it } from "vitest";
import {
  burnPasswordCheck,
  hashPassword,
  hashSecret,
  matchesSecretHash,
  needsRehash,
  newApiToken,
  newSecret,
  parseApiToken,
  safeEqualHex,
  verifyPassword,
} from "./secrets.js";

describe("passwords", () => {
  it("hash with argon2id, m=19456, t=2, p=1, a fresh salt each time", async () => {
    const a = await hashPassword("correct horse");
    const b = await hashPassword("correct horse");
    expect(a).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(a).not.toBe(b);
    expect(needsRehash(a)).toBe(false);
  });

  it("verify the right password and reject wrong ones", async () => {
    const h = await hashPassword("correct horse");
    expect(await verifyPassword(h, "correct horse")).toBe(true);
    expect(await verifyPassword(h, "correct horse ")).toBe(false);
    expect(await verifyPassword(h, "Correct horse")).toBe(false);
    expect(await verifyPassword(h, "")).toBe(false);
  });

  it("match the same password in composed and decomposed Unicode", async () => {
    const h = await hashPassword("caf\u00e9");
    expect(await verifyPassword(h, "cafe\u0301")).toBe(true);
  });

  it.each([
    "",
    "not a hash",
    "$argon2id$v=19$m=19456,t=2,p=1$",
    "$argon2id$v=19$m=19456,t=2,p=1$!!!!$????",
    "$2b$10$abcdefghijklmnopqrstuuN4fYFQ1Y3bIu8wZ2uQbS0N3d9N7dBqS",
  ])("return false, not throw, for the malformed hash %j", async (bad) => {
    await expect(verifyPassword(bad, "pw")).resolves.toBe(false);
    expect(needsRehash(bad)).toBe(true);
  });

  it("ask for a re-hash when the stored parameters are older", () => {
    const weaker =
      "$argon2id$v=19$m=4096,t=3,p=1$c29tZXNhbHRzb21lc2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    expect(needsRehash(weaker)).toBe(true);
  });

  it("burn a check for unknown users that always fails", async () => {
    await expect(burnPasswordCheck()).resolves.toBe(false);
    await expect(burnPasswordCheck()).resolves.toBe(false);
  });
});

describe("high-entropy secrets", () => {
  it("are 32 random bytes in base64url by default", () => {
    const s = newSecret();
    expect(s).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(s, "base64url")).toHaveLength(32);
    expect(newSecret()).not.toBe(s);
    expect(newSecret(16)).toHaveLength(22);
    expect(() => newSecret(8)).toThrow(RangeError);
    expect(() => newSecret(20.5)).toThrow(RangeError);
  });

  it("hash to SHA-256 hex", () => {
    expect(hashSecret("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("compare in constant time, and never equal across lengths or with non-hex", () => {
    const h = hashSecret("x");
    expect(safeEqualHex(h, hashSecret("x"))).toBe(true);
    expect(safeEqualHex(h, h.toUpperCase())).toBe(true);
    expect(safeEqualHex(h, hashSecret("y"))).toBe(false);
    expect(safeEqualHex(h, h.slice(0, -2))).toBe(false);
    expect(safeEqualHex("zz", "zz")).toBe(false);
    expect(safeEqualHex("abc", "abc")).toBe(false);
    expect(safeEqualHex("", "")).toBe(true);
  });

  it("match a secret against its stored hash, and nothing malformed", () => {
    const h = hashSecret("x");
    expect(matchesSecretHash(h, "x")).toBe(true);
    expect(matchesSecretHash(h.toUpperCase(), "x")).toBe(true);
    expect(matchesSecretHash(h, "y")).toBe(false);
    expect(matchesSecretHash(h.slice(0, -2), "x")).toBe(false);
    expect(matchesSecretHash(`${h.slice(0, -1)}z`, "x")).toBe(false);
    expect(matchesSecretHash("", "")).toBe(false);
  });
});

describe("API tokens", () => {
  it("look like hwt_<12-char id>_<43-char secret> and parse back", () => {
    const t = newApiToken();
    expect(t.token).toBe(`hwt_${t.id}_${t.secret}`);
    expect(t.id).toMatch(/^[0-9a-hjkmnp-tv-z]{12}$/);
    expect(t.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(parseApiToken(t.token)).toEqual({ id: t.id, secret: t.secret });
  });

  it("are unique", () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newApiToken().id));
    expect(ids.size).toBe(1000);
  });

  it("parse a secret that contains the separator character", () => {
    const secret = "_-".repeat(21) + "A";
    expect(parseApiToken(`hwt_0123456789ab_${secret}`)).toEqual({ id: "0123456789ab", secret });
  });

  const good = newApiToken().token;
  it.each([
    ["empty", ""],
    ["no prefix", good.slice(4)],
    ["other prefix", `hwx_${good.slice(4)}`],
    ["upper-case prefix", `HWT_${good.slice(4)}`],
    ["upper-case id", `hwt_ABCDEFGHJKMN_${good.slice(17)}`],
    ["id with a letter outside the alphabet", `hwt_0123456789ai_${good.slice(17)}`],
    ["short id", `hwt_0123456789a_${good.slice(17)}`],
    ["short secret", good.slice(0, -1)],
    ["long secret", `${good}A`],
    ["padding", `${good.slice(0, -1)}=`],
    ["whitespace", ` ${good}`],
    ["trailing newline", `${good}\n`],
    ["non-canonical last character", `hwt_0123456789ab_${"A".repeat(42)}B`],
  ])("reject %s", (_what, text) => {
    expect(parseApiToken(text)).toBeUndefined();
  });
});
