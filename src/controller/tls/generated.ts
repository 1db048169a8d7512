/**
 * The controller's own CA and server certificate under `DATA_DIR/tls/`, made on first start and reused
 * afterwards. Replicas sharing the data directory may run this at the same moment, so every file that must
 * be unique is created with an exclusive publish, and a loser adopts the winner's file: whatever the
 * interleaving, one CA results. The CA is never replaced automatically (join tokens pin it); the server
 * certificate is re-issued when it is about to expire, was not made by this CA for this key, or lacks a
 * name it must cover.
 */
import { createPrivateKey, type KeyObject, type X509Certificate } from "node:crypto";
import { join } from "node:path";
import {
  CERT_MODE,
  ensurePrivateDir,
  KEY_MODE,
  publishExclusive,
  readOptional,
  replaceAtomic,
  tightenKeyMode,
} from "./files.js";
import { certFingerprint, splitCertificates } from "./fingerprint.js";
import { dedupeSans, type SanEntry } from "./hostnames.js";
import { issueCa, issueServer, missingSans, newKeyPem, RENEW_BEFORE_DAYS, sansOf } from "./issue.js";
import type { TlsMaterial } from "./material.js";

const DAY_MS = 24 * 60 * 60 * 1000;

/** Where the generated files live, relative to the data directory (SPEC §3.2 names `tls/ca.crt`). */
export const TLS_DIR = "tls";

type Ca = { cert: X509Certificate; pem: string; keyPem: string; created: boolean };

/** Loads or makes the CA and a current server certificate in `dataDir/tls`, for the given SANs. */
export async function ensureGeneratedTls(
  dataDir: string,
  sans: readonly SanEntry[],
  now: Date,
): Promise<TlsMaterial> {
  const dir = join(dataDir, TLS_DIR);
  await ensurePrivateDir(dir);
  const ca = await ensureCa(dir, now);
  const server = await ensureServer(dir, ca, sans, now);
  return {
    cert: server.leafPem + ca.pem,
    key: server.keyPem,
    caCert: ca.pem,
    caFingerprint: certFingerprint(ca.cert),
    created: ca.created,
  };
}

async function ensureCa(dir: string, now: Date): Promise<Ca> {
  const keyPath = join(dir, "ca.key");
  const certPath = join(dir, "ca.crt");
  // ca.key is always published before ca.crt, so reading in the opposite order means that a ca.crt seen
  // here has its key on disk too, even when another process is creating both right now.
  let certPem = await readOptional(certPath);
  let keyPem = await readOptional(keyPath);
  if (certPem !== undefined && keyPem === undefined) {
    throw new Error(
      `${certPath} exists but ${keyPath} is missing, so the CA cannot sign a server certificate. Restore ` +
        `ca.key, give certFile/keyFile, or move ca.crt away to make a new CA (agents pin the CA: join tokens ` +
        `made for the old one stop working)`,
    );
  }
  keyPem ??= await createOrAdopt(keyPath, await newKeyPem(), KEY_MODE);
  await tightenKeyMode(keyPath);
  const key = parseKey(keyPem, keyPath);
  let created = false;
  if (certPem === undefined) {
    // Also reached when another process published ca.key and has not yet published ca.crt (or crashed in
    // between): a CA certificate for that key is made here, and whichever certificate is published first wins.
    const mine = await issueCa(keyPem, now);
    certPem = await createOrAdopt(certPath, mine, CERT_MODE);
    created = certPem === mine;
  }
  const certs = splitCertificates(certPem, certPath);
  const cert = certs[0];
  if (certs.length !== 1 || !cert) throw new Error(`${certPath} must hold exactly one PEM certificate`);
  if (!cert.ca) throw new Error(`${certPath} is not a CA certificate (basicConstraints CA:TRUE is missing)`);
  if (!cert.checkPrivateKey(key)) {
    throw new Error(`${keyPath} does not belong to ${certPath}; restore the matching pair from a backup`);
  }
  if (new Date(cert.validTo).getTime() <= now.getTime()) {
    throw new Error(
      `the CA in ${certPath} expired on ${cert.validTo}; move ca.crt and ca.key away to make a new CA ` +
        `(then re-issue join tokens, which pin the CA)`,
    );
  }
  return { cert, pem: cert.toString(), keyPem, created };
}

async function ensureServer(
  dir: string,
  ca: Ca,
  wanted: readonly SanEntry[],
  now: Date,
): Promise<{ leafPem: string; keyPem: string }> {
  const keyPath = join(dir, "server.key");
  const certPath = join(dir, "server.crt");
  // The server key outlives its certificates: replicas that renew at the same moment then each write a
  // certificate for the same key, so whichever rename lands last still pairs with server.key.
  const keyPem = (await readOptional(keyPath)) ?? (await createOrAdopt(keyPath, await newKeyPem(), KEY_MODE));
  await tightenKeyMode(keyPath);
  const key = parseKey(keyPem, keyPath);
  const existing = await usableLeaf(await readOptional(certPath), key, ca.cert, now);
  if (existing) {
    const missing = await missingSans(existing, wanted);
    if (missing.length === 0) return { leafPem: existing.toString(), keyPem };
    // Keep the names already there: replicas on one data dir differ in os.hostname(), and each adding
    // only its own would make them take turns removing each other's name.
    wanted = dedupeSans([...(await sansOf(existing)), ...wanted]);
  }
  const leafPem = await issueServer(
    { caCert: ca.pem, caKey: ca.keyPem, serverKey: keyPem, sans: wanted },
    now,
  );
  await replaceAtomic(certPath, leafPem + ca.pem, CERT_MODE);
  return { leafPem, keyPem };
}

/**
 * The server certificate in `text` when it can be served as is: made for `key`, signed by `ca`, already
 * valid and with more than the renewal window left. Anything else (absent, unreadable, stale) is `undefined`,
 * and a new one is issued; the certificate is public and derived, so replacing it loses nothing.
 */
async function usableLeaf(
  text: string | undefined,
  key: KeyObject,
  ca: X509Certificate,
  now: Date,
): Promise<X509Certificate | undefined> {
  if (text === undefined) return undefined;
  let leaf: X509Certificate | undefined;
  try {
    leaf = splitCertificates(text)[0];
  } catch {
    return undefined;
  }
  if (!leaf?.checkPrivateKey(key) || !leaf.checkIssued(ca) || !leaf.verify(ca.publicKey)) return undefined;
  const from = new Date(leaf.validFrom).getTime();
  const to = new Date(leaf.validTo).getTime();
  if (from > now.getTime() || to - now.getTime() < RENEW_BEFORE_DAYS * DAY_MS) return undefined;
  return leaf;
}

/** Publishes `content` at `path` unless a file is there; returns what is there afterwards. */
async function createOrAdopt(path: string, content: string, mode: number): Promise<string> {
  if (await publishExclusive(path, content, mode)) return content;
  const theirs = await readOptional(path);
  if (theirs === undefined)
    throw new Error(`${path} vanished while being created; is another tool deleting it?`);
  return theirs;
}

function parseKey(text: string, path: string): KeyObject {
  try {
    return createPrivateKey(text);
  } catch {
    throw new Error(`${path} is not a valid unencrypted PEM private key`);
  }
}
