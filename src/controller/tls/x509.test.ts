/** The library loads once, with Node's WebCrypto as its provider. */
import { describe, expect, it } from "vitest";
import { loadX509 } from "./x509.js";

describe("loadX509", () => {
  it("loads @peculiar/x509 with WebCrypto as its provider, once", async () => {
    const x509 = await loadX509();
    expect(x509.cryptoProvider.get()).toBeDefined();
    expect(await loadX509()).toBe(x509);
  });
});
