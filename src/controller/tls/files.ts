/**
 * Crash- and race-safe file publication for the TLS material. Several controller replicas may share one data
 * directory and start at the same moment, and a crash may hit at any point: a reader must therefore never see
 * a half-written file, and exactly one writer may create a file that must be unique (the CA key). Files are
 * written whole under a temporary name, flushed, then published by `link` (fails if the name exists) or by
 * `rename` (replaces atomically).
 */
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { chmod, link, mkdir, open, readFile, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/** Mode of private keys. */
export const KEY_MODE = 0o600;
/** Mode of certificates, which are public. */
export const CERT_MODE = 0o644;

/**
 * Creates `dir` (and parents) if needed and makes it 0700, since it holds private keys; a folder that
 * already existed with looser rights is tightened. Tightening is best effort: the key files are 0600 anyway.
 */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const st = await stat(dir);
  if (!st.isDirectory()) throw new Error(`${dir} exists and is not a directory`);
  if ((st.mode & 0o777) !== 0o700) await chmod(dir, 0o700).catch(() => {});
}

/** The file's text, or `undefined` when it does not exist. Other errors (permissions) propagate. */
export async function readOptional(path: string): Promise<string | undefined> {
  for (let attempt = 0; ; attempt++) {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
    // Only on file systems without hard links can a file be seen while its creator still writes it
    // (see publishExclusive); give such a writer a moment before the caller judges the content.
    if (!mayBeInProgress(text) || attempt >= 20) return text;
    await sleep(25);
  }
}

/** Tightens a private key file to 0600 if someone loosened it; best effort, like {@link ensurePrivateDir}. */
export async function tightenKeyMode(path: string): Promise<void> {
  const st = await stat(path);
  if ((st.mode & 0o077) !== 0) await chmod(path, KEY_MODE).catch(() => {});
}

/**
 * Creates `path` with `content` unless it exists. Returns true when this call created it, false when
 * another writer got there first (the caller then reads theirs). Never overwrites.
 */
export async function publishExclusive(path: string, content: string, mode: number): Promise<boolean> {
  const tmp = await writeTemp(path, content, mode);
  try {
    await link(tmp, path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    if (!NO_HARD_LINKS.has(code ?? "")) throw err;
    return createDirectly(path, content, mode);
  } finally {
    await unlink(tmp).catch(() => {});
  }
  await syncDir(dirname(path));
  return true;
}

/** Replaces `path` with `content` in one step: readers see the old file or the new one, never a mix. */
export async function replaceAtomic(path: string, content: string, mode: number): Promise<void> {
  const tmp = await writeTemp(path, content, mode);
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
  await syncDir(dirname(path));
}

/** Errors by which a file system says it has no hard links (some FUSE, SMB and object-store mounts). */
const NO_HARD_LINKS = new Set(["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS", "EXDEV", "EMLINK"]);

/** Exclusive create without `link`: still only one winner (O_EXCL), but readers may see it mid-write. */
async function createDirectly(path: string, content: string, mode: number): Promise<boolean> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  }
  try {
    await fh.writeFile(content);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await syncDir(dirname(path));
  return true;
}

/** Writes a flushed temporary file next to `path` (same file system, so link and rename work). */
async function writeTemp(path: string, content: string, mode: number): Promise<string> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
  try {
    await fh.writeFile(content);
    await fh.sync();
  } catch (err) {
    await fh.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw err;
  }
  await fh.close();
  return tmp;
}

/** Makes a just-published name survive a power cut; not every platform can fsync a directory. */
async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, constants.O_RDONLY);
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {}
}

/** Empty, or a PEM block whose end has not been written yet. */
function mayBeInProgress(text: string): boolean {
  if (text === "") return true;
  return text.startsWith("-----BEGIN ") && !/-----END [A-Z0-9 ]+-----\s*$/.test(text);
}
