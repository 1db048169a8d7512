/**
 * {@link WgBackend} over wireguard-go's UAPI socket: reads are one `get=1` on the socket (no
 * process: `wg show all dump` costs ≈ 20 ms at 10,000 peers in spawning and re-parsing alone),
 * and changes are one `set=1` naming only the peers that change, so every other peer keeps its
 * session. A device without a socket (kernel WireGuard) and the things UAPI cannot do (create,
 * delete, resolve a hostname endpoint) go to the `wg` CLI backend; the first fallback for a
 * device is logged.
 */
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { publicKeyFromPrivate } from "../../keys/wgkeys.js";
import {
  type LiveDevice,
  parseUapiErrno,
  parseUapiGet,
  renderUapiSet,
  UapiErrnoError,
  type UapiPeerSet,
} from "../../wgconf/index.js";
import type { Runner } from "../exec.js";
import type { DeviceKind, PeerSpec, ShowAllOptions, WgBackend } from "./backend.js";
import { WgCliBackend, type WgCliOptions } from "./cli-backend.js";
import { DEFAULT_SOCKET_DIR, UapiUnreachableError, uapiRequest } from "./uapi-socket.js";

/** Options of {@link WgUapiBackend}. */
export interface WgUapiOptions extends WgCliOptions {
  /** Where the `IFACE.sock` files are; default `/var/run/wireguard` (see `socketDirOfProcess`). */
  readonly socketDir?: string;
  /** Receives one line the first time a device is handled by the CLI instead. Default: silent. */
  readonly log?: (line: string) => void;
}

/** What UAPI's `endpoint=` accepts: a literal address and port (it resolves no names). */
const isLiteralEndpoint = (e: string): boolean => /^(\d+\.\d+\.\d+\.\d+|\[[0-9a-fA-F:.]+\]):\d+$/.test(e);

/** A socket that exists but has no daemon behind it (or vanished): the device is not there. */
const gone = (e: unknown): boolean =>
  e instanceof UapiUnreachableError && (e.errnoCode === "ENOENT" || e.errnoCode === "ECONNREFUSED");

export class WgUapiBackend implements WgBackend {
  /** Creation, deletion, kernel devices and hostname endpoints. */
  readonly cli: WgCliBackend;
  private readonly socketDir: string;
  private readonly kernel: boolean;
  private readonly log: (line: string) => void;
  private readonly fellBack = new Set<string>();
  private readonly publicKeys = new Map<string, string>();

  constructor(runner: Runner, opts: WgUapiOptions = {}) {
    this.cli = new WgCliBackend(runner, opts);
    this.socketDir = opts.socketDir ?? DEFAULT_SOCKET_DIR;
    this.kernel = opts.kernel ?? existsSync("/sys/module/wireguard");
    this.log = opts.log ?? (() => {});
  }

  private socket(name: string): string {
    return join(this.socketDir, `${name}.sock`);
  }

  /** Names with a socket file (live or stale). */
  private async socketNames(): Promise<string[]> {
    const files = await readdir(this.socketDir).catch((e: NodeJS.ErrnoException) => {
      if (e.code === "ENOENT") return [] as string[];
      throw e;
    });
    return files
      .filter((f) => f.endsWith(".sock"))
      .map((f) => f.slice(0, -5))
      .sort();
  }

  private viaCli(name: string): WgCliBackend {
    if (!this.fellBack.has(name)) {
      this.fellBack.add(name);
      this.log(`wg ${name}: no UAPI socket in ${this.socketDir} (kernel WireGuard?): using the wg CLI`);
    }
    return this.cli;
  }

  /**
   * The public key of a device's private key, derived once per key: a derivation (a KeyObject
   * and an export) costs more than parsing a small device, and it runs on every read.
   */
  private publicKeyOf(privateKey: string): string {
    let pub = this.publicKeys.get(privateKey);
    if (pub === undefined) {
      pub = publicKeyFromPrivate(privateKey);
      // Bounded: one entry per device key in use, cleared if keys churn (rotation).
      if (this.publicKeys.size >= 64) this.publicKeys.clear();
      this.publicKeys.set(privateKey, pub);
    }
    return pub;
  }

  /** The device over UAPI; undefined when its socket is missing or dead. */
  private async get(name: string, onSent?: () => void): Promise<LiveDevice | undefined> {
    try {
      const text = await uapiRequest(this.socket(name), "get=1\n\n", { ...(onSent ? { onSent } : {}) });
      return parseUapiGet(text, name, (priv) => this.publicKeyOf(priv));
    } catch (e) {
      if (gone(e)) return undefined;
      throw e;
    }
  }

  /** Runs one `set=1`; false when the device has no live socket (the caller falls back). */
  private async set(name: string, request: string, what: string): Promise<boolean> {
    let reply: string;
    try {
      reply = await uapiRequest(this.socket(name), request, { timeoutMs: 120_000 });
    } catch (e) {
      if (gone(e)) return false;
      throw e;
    }
    const errno = parseUapiErrno(reply);
    if (errno !== 0) throw new UapiErrnoError(errno, `uapi set ${name} ${what}`);
    return true;
  }

  async listDevices(): Promise<string[]> {
    const names = new Set(await this.socketNames());
    if (this.kernel) for (const n of await this.cli.listDevices()) names.add(n);
    return [...names].sort();
  }

  async show(name: string): Promise<LiveDevice | undefined> {
    return (await this.get(name)) ?? this.viaCli(name).show(name);
  }

  async showAll(opts: ShowAllOptions = {}): Promise<LiveDevice[]> {
    const names = await this.socketNames();
    // Requested once every socket has its request written (or failed) and the kernel's dump
    // has started; each part counts once.
    // (No kernel WireGuard: nothing to dump, one part fewer.)
    let waiting = names.length + (this.kernel ? 1 : 0);
    const part = () => {
      let counted = false;
      return () => {
        if (counted) return;
        counted = true;
        if (--waiting === 0) opts.onRequested?.();
      };
    };
    if (waiting === 0) opts.onRequested?.();
    const [viaSocket, kernel] = await Promise.all([
      Promise.all(
        names.map((n) => {
          const sent = part();
          return this.get(n, sent).finally(sent);
        }),
      ),
      this.kernel ? this.cli.showAll({ onRequested: part() }) : Promise.resolve([]),
    ]);
    const devices = viaSocket.filter((d): d is LiveDevice => d !== undefined);
    const seen = new Set(devices.map((d) => d.name));
    for (const d of kernel)
      if (!seen.has(d.name)) {
        this.viaCli(d.name);
        devices.push(d);
      }
    return devices.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  cannotCreate(): Promise<string | undefined> {
    return this.cli.cannotCreate();
  }

  create(name: string): Promise<DeviceKind> {
    return this.cli.create(name);
  }

  delete(name: string): Promise<void> {
    return this.cli.delete(name);
  }

  async setPrivateKey(name: string, keyFile: string): Promise<void> {
    // Read here and sent on the socket: the key is never in argv, a file name or a log line.
    const privateKey = (await readFile(keyFile, "utf8")).trim();
    if (!(await this.set(name, renderUapiSet({ privateKey }), "private_key")))
      await this.viaCli(name).setPrivateKey(name, keyFile);
  }

  async setListenPort(name: string, port: number): Promise<void> {
    if (!(await this.set(name, renderUapiSet({ listenPort: port }), `listen_port=${port}`)))
      await this.viaCli(name).setListenPort(name, port);
  }

  setPeer(name: string, peer: PeerSpec): Promise<void> {
    return this.setPeers(name, [peer]);
  }

  async setPeers(name: string, peers: readonly PeerSpec[]): Promise<void> {
    // UAPI takes literal endpoints only; `wg` resolves names (in the runner's namespace).
    const named = peers.filter((p) => p.endpoint !== undefined && !isLiteralEndpoint(p.endpoint));
    const literal = named.length === 0 ? peers : peers.filter((p) => !named.includes(p));
    if (literal.length > 0) {
      const sets: UapiPeerSet[] = literal.map((p) => ({
        publicKey: p.publicKey,
        allowedIPs: p.allowedIPs,
        persistentKeepalive: p.persistentKeepalive,
        ...(p.endpoint === undefined ? {} : { endpoint: p.endpoint }),
        ...(p.presharedKey === undefined ? {} : { presharedKey: p.presharedKey }),
      }));
      const what = literal.length === 1 ? `peer ${literal[0]!.publicKey}` : `${literal.length} peers`;
      if (!(await this.set(name, renderUapiSet({ peers: sets }), what))) {
        await this.viaCli(name).setPeers(name, peers);
        return;
      }
    }
    if (named.length > 0) await this.cli.setPeers(name, named);
  }

  async removePeer(name: string, publicKey: string): Promise<void> {
    const request = renderUapiSet({ peers: [{ publicKey, remove: true }] });
    if (!(await this.set(name, request, `remove peer ${publicKey}`)))
      await this.viaCli(name).removePeer(name, publicKey);
  }

  setConf(name: string, confFile: string): Promise<void> {
    return this.cli.setConf(name, confFile);
  }
}
