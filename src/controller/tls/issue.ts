/**
 * Makes the controller's own CA and server certificates (SPEC §8: "on first start the controller creates its
 * own CA and server certificate if none is given"). ECDSA P-256 throughout: small, fast to sign, and accepted
 * by every TLS stack an agent or browser uses. This file only computes; where the results live is store.ts.
 */
import {
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  X509Certificate as NodeX509Certificate,
  randomBytes,
  webcrypto,
  type X509Certificate,
} from "node:crypto";
import { type SanEntry, sanKey } from "./hostnames.js";
import { loadX509 } from "./x509.js";

const DAY_MS = 24 * 60 * 60 * 1000;
/** How long the CA lives: agents pin it in join tokens, so replacing it means re-issuing every token. */
export const CA_VALIDITY_DAYS = 3650;
/** How long a server certificate lives; renewed on start when under {@link RENEW_BEFORE_DAYS} remain. */
export const SERVER_VALIDITY_DAYS = 365;
/** Renewal window for the server certificate. */
export const RENEW_BEFORE_DAYS = 30;
/** Certificates start this far in the past, so a node whose clock runs a little slow still accepts them. */
const BACKDATE_MS = 60 * 60 * 1000;

const EC = { name: "ECDSA", namedCurve: "P-256" } as const;
const SIGNING = { name: "ECDSA", hash: "SHA-256" } as const;

/** A new private key, as PKCS#8 PEM (what `ca.key` and `server.key` hold). */
export async function newKeyPem(): Promise<string> {
  const { privateKey } = await webcrypto.subtle.generateKey(EC, true, ["sign", "verify"]);
  const der = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", privateKey));
  return createPrivateKey({ key: der, format: "der", type: "pkcs8" })
    .export({ format: "pem", type: "pkcs8" })
    .toString();
}

/**
 * A self-signed CA for `key` (PEM), allowed to sign end-entity certificates only (pathLen 0): a stolen
 * server key then cannot mint further CAs. The subject carries a random id so two installations' CAs are
 * told apart in a trust store.
 */
export async function issueCa(keyPem: string, now: Date): Promise<string> {
  const x509 = await loadX509();
  const keys = await cryptoKeys(keyPem);
  const id = randomBytes(4).toString("hex");
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=hubwire controller CA ${id}, O=hubwire`,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + CA_VALIDITY_DAYS * DAY_MS),
    keys,
    signingAlgorithm: SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return nodePem(cert.rawData);
}

/** What {@link issueServer} needs: the CA (certificate and key, PEM) and the server's own key. */
export type ServerIssue = { caCert: string; caKey: string; serverKey: string; sans: readonly SanEntry[] };

/**
 * A server certificate for `serverKey`, signed by the CA, valid for `sans` and for TLS server use only.
 * It never outlives the CA: a certificate valid past its issuer would fail verification anyway.
 */
export async function issueServer(input: ServerIssue, now: Date): Promise<string> {
  const x509 = await loadX509();
  const ca = new x509.X509Certificate(input.caCert);
  const caKeys = await cryptoKeys(input.caKey);
  const serverKeys = await cryptoKeys(input.serverKey);
  const notAfter = Math.min(now.getTime() + SERVER_VALIDITY_DAYS * DAY_MS, ca.notAfter.getTime());
  // The CN is only informational (clients match SANs); the most specific name makes it useful to humans.
  const first = input.sans.find((s) => s.type === "dns" && s.value !== "localhost") ?? input.sans[0];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${first?.value ?? "hubwire controller"}, O=hubwire`,
    issuer: ca.subjectName,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(notAfter),
    publicKey: serverKeys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(input.sans.map((s) => ({ type: s.type, value: s.value }))),
      await x509.SubjectKeyIdentifierExtension.create(serverKeys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  return nodePem(cert.rawData);
}

/** The DNS and IP SANs of `cert`; other kinds (email, URI) are ignored. */
export async function sansOf(cert: X509Certificate): Promise<SanEntry[]> {
  const x509 = await loadX509();
  const ext = new x509.X509Certificate(cert.raw).getExtension(x509.SubjectAlternativeNameExtension);
  if (!ext) return [];
  return ext.names
    .toJSON()
    .filter((n): n is SanEntry => n.type === "dns" || n.type === "ip")
    .map((n) => ({ type: n.type, value: n.value }));
}

/** Which of `wanted` the certificate does not cover (compared by exact SAN, IPv6 in canonical form). */
export async function missingSans(cert: X509Certificate, wanted: readonly SanEntry[]): Promise<SanEntry[]> {
  const have = new Set((await sansOf(cert)).map(sanKey));
  return wanted.filter((w) => !have.has(sanKey(w)));
}

/**
 * The key as WebCrypto keys for signing. Goes through a KeyObject so SEC1 ("EC PRIVATE KEY") files made by
 * openssl work as well as PKCS#8; only P-256 and P-384 are accepted, which is what a CA here can be.
 */
async function cryptoKeys(keyPem: string): Promise<webcrypto.CryptoKeyPair> {
  const key = createPrivateKey(keyPem);
  const curve = namedCurve(key);
  const pkcs8 = key.export({ format: "der", type: "pkcs8" });
  const spki = createPublicKey(key).export({ format: "der", type: "spki" });
  const alg = { name: "ECDSA", namedCurve: curve };
  const privateKey = await webcrypto.subtle.importKey("pkcs8", pkcs8, alg, false, ["sign"]);
  const publicKey = await webcrypto.subtle.importKey("spki", spki, alg, true, ["verify"]);
  return { privateKey, publicKey } as webcrypto.CryptoKeyPair;
}

function namedCurve(key: KeyObject): "P-256" | "P-384" {
  const curve = key.asymmetricKeyType === "ec" ? key.asymmetricKeyDetails?.namedCurve : undefined;
  if (curve === "prime256v1") return "P-256";
  if (curve === "secp384r1") return "P-384";
  throw new Error(`unsupported key type for the hubwire CA: need ECDSA P-256 or P-384`);
}

/** PEM as Node writes it (one trailing newline), so chains concatenate into valid files. */
function nodePem(der: ArrayBuffer): string {
  return new NodeX509Certificate(Buffer.from(der)).toString();
}

/** A random positive 128-bit serial, as RFC 5280 §4.1.2.2 asks (unique per issuer, at most 20 octets). */
function serial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x40;
  return bytes.toString("hex");
}
