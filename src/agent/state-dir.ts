/**
 * The agent's state directory (mode 0700): its private key (generated on first start, 0600,
 * never sent anywhere), its node credential (0600) and the last applied desired state, which
 * lets a restarted agent with no controller keep the data plane as it was (fail static).
 * Every file is written atomically — temp file, fsync, rename, fsync of the directory — so a
 * crash leaves either the old or the new file, never a torn one.
 */
import { chmod, mkdir, open, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { generatePrivateKey, parseWgKey, publicKeyFromPrivate } from "../keys/wgkeys.js";
import { type DesiredState, parseDesiredState } from "../model/index.js";

const KEY = "private.key";
const CREDENTIAL = "credential";
const LAST_APPLIED = "last-applied.json";
const CONTROLLER = "controller.json";
/** A key waiting for the controller to accept it (rotation in progress). */
const NEXT_KEY = "private.key.next";
/** Preshared keys of the last applied state, so a restart without the controller keeps them. */
const PRESHARED_KEYS = "preshared-keys.json";

/** How to reach the controller after enrollment: everything but the credential, which has its own file. */
export interface ControllerSession {
  readonly urls: readonly string[];
  /** PEM of the controller CA, pinned for every later connection. */
  readonly caPem: string;
  /** The controller's static X25519 public key (proofs of possession for key rotation). */
  readonly controllerKey: string;
}

/** This node's WireGuard identity. */
export interface Identity {
  /** The 0600 file `wg set … private-key` reads. */
  readonly privateKeyFile: string;
  readonly publicKey: string;
}

/** A state file that exists but cannot be used; names the file. */
export class StateDirError extends Error {
  readonly code = "state-dir-invalid";
  constructor(
    readonly file: string,
    why: string,
  ) {
    super(`${file}: ${why}`);
    this.name = "StateDirError";
  }
}

/** Writes `data` to `path` atomically with `mode`. */
export async function writeFileAtomic(path: string, data: string, mode = 0o600): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  const fh = await open(tmp, "w", mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  await syncDir(join(path, ".."));
}

/** fsync of a directory, so a rename in it survives a crash. */
async function syncDir(path: string): Promise<void> {
  const dir = await open(path, "r");
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

/** The agent's state directory; see {@link openStateDir}. */
export interface StateDir {
  readonly path: string;
  /** The node's key pair, generating the private key on first use. */
  identity(): Promise<Identity>;
  /** The node credential (`hwn_…`); undefined before enrollment completes. */
  readCredential(): Promise<string | undefined>;
  writeCredential(credential: string): Promise<void>;
  /** The desired state applied last; undefined when none was. */
  readLastApplied(): Promise<DesiredState | undefined>;
  writeLastApplied(state: DesiredState): Promise<void>;
  /** Preshared keys (by ref) of the last applied state; empty when there are none. */
  readPresharedKeys(): Promise<Map<string, string>>;
  writePresharedKeys(keys: ReadonlyMap<string, string>): Promise<void>;
  /** The controller session saved at enrollment; undefined before. */
  readController(): Promise<ControllerSession | undefined>;
  writeController(session: ControllerSession): Promise<void>;
  /**
   * Key rotation, step 1: the pending new private key, generated and saved (0600) on first call,
   * so a crash between asking the controller and switching keys retries with the same key.
   */
  pendingKey(): Promise<string>;
  /** Whether a rotation was started and not finished (see {@link StateDir.pendingKey}). */
  hasPendingKey(): Promise<boolean>;
  /** Drops a pending key the controller refused. */
  discardPendingKey(): Promise<void>;
  /** Key rotation, step 2 (after the controller accepted it): the pending key becomes the key. */
  commitPendingKey(): Promise<Identity>;
}

/** Opens (creating with mode 0700) the state directory at `path`, tightening its mode if needed. */
export async function openStateDir(path: string): Promise<StateDir> {
  await mkdir(path, { recursive: true, mode: 0o700 });
  if (((await stat(path)).mode & 0o077) !== 0) await chmod(path, 0o700);
  // Leftovers of a write that crashed before its rename are garbage, never state.
  for (const n of await readdir(path)) if (/\.tmp-\d+$/.test(n)) await rm(join(path, n), { force: true });
  const file = (name: string) => join(path, name);
  let identity: Identity | undefined;
  const dir: StateDir = {
    path,
    async identity() {
      if (identity) return identity;
      const keyFile = file(KEY);
      let text = await readOptional(keyFile);
      if (text === undefined) {
        await writeFileAtomic(keyFile, `${generatePrivateKey()}\n`);
        text = await readFile(keyFile, "utf8");
      }
      if (((await stat(keyFile)).mode & 0o077) !== 0) await chmod(keyFile, 0o600);
      try {
        parseWgKey(text.trim(), "private key");
      } catch (e) {
        throw new StateDirError(keyFile, (e as Error).message);
      }
      identity = { privateKeyFile: keyFile, publicKey: publicKeyFromPrivate(text.trim()) };
      return identity;
    },
    async readCredential() {
      return (await readOptional(file(CREDENTIAL)))?.trim() || undefined;
    },
    writeCredential: (credential) => writeFileAtomic(file(CREDENTIAL), `${credential}\n`),
    async readLastApplied() {
      const text = await readOptional(file(LAST_APPLIED));
      if (text === undefined) return undefined;
      try {
        return parseDesiredState(text);
      } catch (e) {
        throw new StateDirError(file(LAST_APPLIED), (e as Error).message);
      }
    },
    writeLastApplied: (state) => writeFileAtomic(file(LAST_APPLIED), `${JSON.stringify(state)}\n`),
    async readPresharedKeys() {
      const text = await readOptional(file(PRESHARED_KEYS));
      if (text === undefined) return new Map();
      try {
        return new Map(Object.entries(JSON.parse(text) as Record<string, string>));
      } catch (e) {
        throw new StateDirError(file(PRESHARED_KEYS), `not JSON: ${(e as Error).message}`);
      }
    },
    writePresharedKeys: (keys) =>
      writeFileAtomic(file(PRESHARED_KEYS), `${JSON.stringify(Object.fromEntries(keys))}\n`),
    async readController() {
      const text = await readOptional(file(CONTROLLER));
      if (text === undefined) return undefined;
      try {
        const v = JSON.parse(text) as ControllerSession;
        if (!Array.isArray(v.urls) || typeof v.caPem !== "string" || typeof v.controllerKey !== "string")
          throw new Error("missing urls, caPem or controllerKey");
        return v;
      } catch (e) {
        throw new StateDirError(file(CONTROLLER), (e as Error).message);
      }
    },
    writeController: (session) => writeFileAtomic(file(CONTROLLER), `${JSON.stringify(session)}\n`),
    async pendingKey() {
      const existing = (await readOptional(file(NEXT_KEY)))?.trim();
      if (existing) return existing;
      const key = generatePrivateKey();
      await writeFileAtomic(file(NEXT_KEY), `${key}\n`);
      return key;
    },
    async hasPendingKey() {
      return (await readOptional(file(NEXT_KEY))) !== undefined;
    },
    async discardPendingKey() {
      await rm(file(NEXT_KEY), { force: true });
      await syncDir(path);
    },
    async commitPendingKey() {
      await rename(file(NEXT_KEY), file(KEY));
      await syncDir(path);
      identity = undefined;
      return dir.identity();
    },
  };
  return dir;
}
