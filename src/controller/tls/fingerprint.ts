/**
 * Certificate fingerprints, the thing a join token pins (SPEC §4): an agent meeting the controller for the
 * first time trusts exactly the CA whose DER hashes to the token's value, as kubeadm does, so no public PKI
 * is needed. Kept apart from generation so the CLI can print and compare fingerprints without key code.
 */
import { createHash, X509Certificate } from "node:crypto";

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * Every PEM certificate block in `text`, in file order, each re-encoded by Node so comments and stray
 * whitespace around blocks are dropped. Throws when a block does not parse; `what` names the source
 * ("tls/server.crt") in the error. Returns `[]` when there is no block at all.
 */
export function splitCertificates(text: string, what = "certificate text"): X509Certificate[] {
  const blocks = text.match(PEM_CERT) ?? [];
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch (err) {
      const n = blocks.length > 1 ? ` (certificate ${i + 1} of ${blocks.length})` : "";
      throw new Error(`${what}${n} is not a valid X.509 certificate: ${(err as Error).message}`);
    }
  });
}

/** SHA-256 over the certificate's DER, lowercase hex: the value join tokens carry. */
export function certFingerprint(cert: X509Certificate): string {
  return createHash("sha256").update(cert.raw).digest("hex");
}

/**
 * Fingerprint of the one certificate in `pem`, lowercase hex. Refuses text with zero or several
 * certificates rather than silently pinning the first of a bundle, which would usually be a leaf.
 */
export function caFingerprint(pem: string): string {
  const certs = splitCertificates(pem, "CA certificate");
  if (certs.length !== 1) {
    throw new Error(`CA certificate: expected exactly one PEM certificate, found ${certs.length}`);
  }
  return certFingerprint(certs[0]!);
}

/**
 * `AB:CD:…` as browsers and `openssl x509 -fingerprint` show it, so an operator can compare by eye what
 * hubwire prints with what their tools print. Throws on anything but whole bytes of hex.
 */
export function formatFingerprint(hex: string): string {
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(hex)) throw new Error("fingerprint must be hex, two digits per byte");
  return hex.toUpperCase().match(/../g)!.join(":");
}
