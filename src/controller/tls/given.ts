/**
 * TLS material the operator supplies (`certFile`/`keyFile`), checked at start-up so a wrong file fails
 * with a message naming it instead of as an opaque handshake error on every agent. The key's content never
 * appears in an error: it is a secret, and error text ends up in logs.
 */
import { createPrivateKey, type KeyObject, type X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import { certFingerprint, splitCertificates } from "./fingerprint.js";
import type { TlsMaterial } from "./material.js";

/**
 * Loads a certificate chain (server first, then any intermediates, optionally the root last) and its key.
 * `caCert` is the last certificate of the chain — the one a join token pins — or the server certificate
 * itself when the file holds only that.
 */
export async function loadGivenTls(certFile: string, keyFile: string): Promise<TlsMaterial> {
  const certText = await readNamed(certFile, "certificate");
  const keyText = await readNamed(keyFile, "private key");
  const chain = splitCertificates(certText, `certificate file ${certFile}`);
  if (chain.length === 0) throw new Error(`certificate file ${certFile} holds no PEM certificate`);
  checkChainOrder(chain, certFile);
  const key = parseKey(keyText, keyFile);
  const leaf = chain[0]!;
  if (!leaf.checkPrivateKey(key)) {
    throw new Error(
      `private key file ${keyFile} does not belong to the first certificate in ${certFile} ` +
        `(subject ${JSON.stringify(leaf.subject)}); check that the two files are a pair`,
    );
  }
  const ca = chain[chain.length - 1]!;
  return {
    cert: chain.map((c) => c.toString()).join(""),
    key: key.export({ format: "pem", type: "pkcs8" }).toString(),
    caCert: ca.toString(),
    caFingerprint: certFingerprint(ca),
    created: false,
  };
}

/**
 * Each certificate must be issued (and signed) by the next: a chain in the wrong order is sent as is by
 * Node and rejected by strict clients, so it is better refused here.
 */
function checkChainOrder(chain: readonly X509Certificate[], file: string): void {
  for (let i = 0; i + 1 < chain.length; i++) {
    const child = chain[i]!;
    const parent = chain[i + 1]!;
    if (!child.checkIssued(parent) || !child.verify(parent.publicKey)) {
      throw new Error(
        `certificate file ${file}: certificate ${i + 2} did not issue certificate ${i + 1}; ` +
          `the chain must be in order: server certificate first, then each issuer`,
      );
    }
  }
}

/** Parses the key without letting its text or OpenSSL's wording of it reach the error. */
function parseKey(text: string, file: string): KeyObject {
  try {
    return createPrivateKey(text);
  } catch {
    throw new Error(
      `private key file ${file} is not an unencrypted PEM private key (PKCS#8, SEC1 or PKCS#1 expected)`,
    );
  }
}

async function readNamed(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new Error(`cannot read ${what} file ${path}: ${e.code ?? e.message}`);
  }
}
