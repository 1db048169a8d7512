/**
 * Authenticated backups. A SHA-256 trailer only detects damage: whoever edits a backup can
 * recompute it. A sealed backup ends with an HMAC-SHA256 of every byte before it, keyed by a
 * secret the operator holds (`--backup-key-file`), so an edited file is refused by anyone holding
 * the key — the controller started with it, or the CLI restoring with it.
 *
 * The seal is a fixed-length last line, after the backup's own bytes (either format):
 * `\nhubwire-backup-hmac-sha256:` + 64 hex digits + `\n`. Unsealing strips it again, so the
 * backup underneath is exactly what was sealed.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, readFile, stat, truncate } from "node:fs/promises";
import { Transform } from "node:stream";

const PREFIX = "\nhubwire-backup-hmac-sha256:";
/** Bytes the seal adds to a backup. */
export const SEAL_LENGTH = PREFIX.length + 64 + 1;

/** Refusals of a seal: missing where one is required, or not matching the key. */
export class BackupSealError extends Error {}

/** The seal line of `mac` (hex). */
function sealLine(mac: string): string {
  return `${PREFIX}${mac}\n`;
}

/** Reads a backup key file: at least 32 characters of secret (e.g. `openssl rand -base64 48`). */
export async function readBackupKey(file: string): Promise<Buffer> {
  const key = (await readFile(file, "utf8")).trim();
  if (key.length < 32) throw new Error(`the backup key in ${file} is too short: use at least 32 characters`);
  return Buffer.from(key, "utf8");
}

/** A stream stage that passes a backup through and appends its seal at the end. */
export function sealingStream(key: Buffer): Transform {
  const mac = createHmac("sha256", key);
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      mac.update(chunk);
      callback(null, chunk);
    },
    flush(callback) {
      callback(null, Buffer.from(sealLine(mac.digest("hex")), "latin1"));
    },
  });
}

/** The HMAC (hex) of the first `length` bytes of `file`. */
async function macOf(file: string, key: Buffer, length: number): Promise<string> {
  const mac = createHmac("sha256", key);
  if (length > 0) for await (const chunk of createReadStream(file, { end: length - 1 })) mac.update(chunk);
  return mac.digest("hex");
}

/** The seal at the end of `file`, if it has one, and the length of the backup before it. */
export async function readSeal(file: string): Promise<{ mac?: string; length: number }> {
  const fh = await open(file, "r");
  try {
    const { size } = await fh.stat();
    if (size < SEAL_LENGTH) return { length: size };
    const tail = Buffer.alloc(SEAL_LENGTH);
    await fh.read(tail, 0, SEAL_LENGTH, size - SEAL_LENGTH);
    const m = /^\nhubwire-backup-hmac-sha256:([0-9a-f]{64})\n$/.exec(tail.toString("latin1"));
    return m ? { mac: m[1]!, length: size - SEAL_LENGTH } : { length: size };
  } finally {
    await fh.close();
  }
}

/** Throws {@link BackupSealError} unless `file` carries a seal made with `key`. */
export async function verifySeal(file: string, key: Buffer): Promise<void> {
  const { mac, length } = await readSeal(file);
  if (!mac) throw new BackupSealError("the backup is not sealed: it has no HMAC made with the backup key");
  const expected = Buffer.from(await macOf(file, key, length), "hex");
  if (!timingSafeEqual(expected, Buffer.from(mac, "hex"))) {
    throw new BackupSealError(
      "the backup's HMAC does not match the backup key: the file was altered, or sealed with another key",
    );
  }
}

/**
 * Makes `file` the backup inside its seal: with `key`, only after verifying the seal (a missing
 * or wrong seal is refused); without, a seal is just stripped.
 */
export async function unseal(file: string, key?: Buffer): Promise<void> {
  if (key) await verifySeal(file, key);
  const { mac, length } = await readSeal(file);
  if (mac) await truncate(file, length);
}

/** Appends the seal of `file` (a backup just written) made with `key`. */
export async function sealFile(file: string, key: Buffer): Promise<void> {
  const { size } = await stat(file);
  await appendSeal(file, await macOf(file, key, size));
}

/** Appends the seal line of `mac` (hex) to `file`: puts back a seal `unseal` took off. */
export async function appendSeal(file: string, mac: string): Promise<void> {
  const fh = await open(file, "a");
  try {
    await fh.write(sealLine(mac), null, "latin1");
  } finally {
    await fh.close();
  }
}
