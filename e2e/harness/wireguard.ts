/**
 * WireGuard helpers for test hosts: wireguard-go interfaces (there is no kernel module here),
 * key pairs from `wg`, and private keys handed over in 0600 files, never in argv.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LongLived, run } from "./exec.js";
import { type Host, WG_SOCKET_DIR } from "./netns.js";

/** A WireGuard key pair in base64, as `wg genkey` / `wg pubkey` print them. */
export interface KeyPair {
  privateKey: string;
  publicKey: string;
}

/** Generates a key pair with `wg genkey` and `wg pubkey` (private key on stdin). */
export async function genKeyPair(): Promise<KeyPair> {
  const privateKey = (await run("wg", ["genkey"])).stdout.trim();
  const publicKey = (await run("wg", ["pubkey"], { input: `${privateKey}\n` })).stdout.trim();
  return { privateKey, publicKey };
}

/**
 * Starts wireguard-go for `ifname` inside the host, in the foreground so the lab knows its PID
 * and stops it at cleanup, and resolves once its control socket accepts `wg show`.
 */
export async function startWireguardGo(host: Host, ifname: string): Promise<LongLived> {
  // Checked first: an existing socket would make the readiness check below pass at once.
  const socket = host.path(`${WG_SOCKET_DIR}/${ifname}.sock`);
  if (existsSync(socket)) throw new Error(`${host.name} already has a wireguard-go ${ifname}`);
  const proc = await host.start("wireguard-go", [ifname], {
    env: { WG_PROCESS_FOREGROUND: "1", LOG_LEVEL: "error" },
  });
  for (let i = 0; i < 250; i++) {
    if (proc.hasExited()) {
      const { code } = await proc.exited;
      throw new Error(`wireguard-go ${ifname} in ${host.name} exited (${code}): ${proc.outputTail().trim()}`);
    }
    if (existsSync(socket)) {
      await host.wg("show", ifname);
      return proc;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`wireguard-go ${ifname} in ${host.name}: no control socket after 5 s`);
}

/**
 * Writes `content` to a fresh 0600 file in a 0700 temp dir, calls `fn(path)`, then removes it.
 * For secrets that a tool only reads from a path (`wg set … private-key PATH`): /dev/stdin
 * does not work because Node's stdin pipes are sockets, which cannot be reopened.
 */
export async function withSecretFile<T>(content: string, fn: (path: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "hwt-secret-"));
  try {
    const path = join(dir, "secret");
    await writeFile(path, content, { mode: 0o600 });
    return await fn(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Sets the interface's private key (and listen port) with `wg set`, key via a 0600 file. */
export function setPrivateKey(host: Host, ifname: string, privateKey: string, listenPort?: number) {
  return withSecretFile(`${privateKey}\n`, (path) =>
    host.wg(
      "set",
      ifname,
      ...(listenPort === undefined ? [] : ["listen-port", String(listenPort)]),
      "private-key",
      path,
    ),
  );
}
