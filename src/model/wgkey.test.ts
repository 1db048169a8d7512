import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { isWgKey } from "./wgkey.js";

const KEY_BASE64 = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;

describe("isWgKey", () => {
  it("accepts the base64 of any 32 bytes", () => {
    for (let i = 0; i < 200; i++) expect(isWgKey(randomBytes(32).toString("base64"))).toBe(true);
  });
  it("agrees with the key pattern on every one-character change of a key", () => {
    const key = randomBytes(32).toString("base64");
    for (let at = 0; at < 44; at++)
      for (let c = 0; c < 300; c++) {
        const s = key.slice(0, at) + String.fromCharCode(c) + key.slice(at + 1);
        expect(isWgKey(s), JSON.stringify(s)).toBe(KEY_BASE64.test(s));
      }
  });
  it("refuses other lengths and non-canonical endings", () => {
    const key = randomBytes(32).toString("base64");
    for (const s of ["", key.slice(0, 43), `${key}=`, `${key.slice(0, 42)}B=`, `${key.slice(0, 43)}A`])
      expect(isWgKey(s)).toBe(false);
  });
});
