/** Fingerprints are what join tokens pin, so their text form must match what other tools print. */
import { describe, expect, it } from "vitest";
import { caFingerprint, certFingerprint, formatFingerprint, splitCertificates } from "./fingerprint.js";
import { issueCa, newKeyPem } from "./issue.js";

const NOW = new Date("2026-01-01T00:00:00Z");

describe("fingerprints", () => {
  it("hashes the DER of the one certificate in a PEM", async () => {
    const pem = await issueCa(await newKeyPem(), NOW);
    const [cert] = splitCertificates(pem);
    expect(caFingerprint(pem)).toMatch(/^[0-9a-f]{64}$/);
    expect(caFingerprint(pem)).toBe(certFingerprint(cert!));
    expect(caFingerprint(`comment line\n${pem}\n\n`)).toBe(caFingerprint(pem));
  });

  it("refuses zero or several certificates instead of guessing which to pin", async () => {
    const a = await issueCa(await newKeyPem(), NOW);
    const b = await issueCa(await newKeyPem(), NOW);
    expect(() => caFingerprint("")).toThrow(/exactly one/);
    expect(() => caFingerprint(a + b)).toThrow(/found 2/);
  });

  it("reports a broken block with its position", () => {
    const broken = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    expect(() => splitCertificates(broken, "x.crt")).toThrow(/^x\.crt is not a valid X\.509 certificate/);
  });

  it("formats as colon-separated uppercase pairs", () => {
    expect(formatFingerprint("0a1bff")).toBe("0A:1B:FF");
    expect(() => formatFingerprint("abc")).toThrow();
    expect(() => formatFingerprint("zz")).toThrow();
    expect(() => formatFingerprint("")).toThrow();
  });
});
