/**
 * {@link WgBackend} over the `wg` and `ip` commands. Deltas go through `wg set` (one peer ≈
 * 5 ms against ≈ 1 s for a `wg setconf` of 10,000 peers in wireguard-go; see
 * DATAPLANE-TESTING.md). Secrets (private and preshared keys) reach `wg` only as 0600 files.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LiveDevice, parseWgDump } from "../../wgconf/index.js";
import { CommandFailedError, type Runner } from "../exec.js";
import type { DeviceKind, PeerSpec, ShowAllOptions, WgBackend } from "./backend.js";

/** Options of {@link WgCliBackend}. */
export interface WgCliOptions {
  /** The userspace implementation to fall back to; default `wireguard-go` on the runner's PATH. */
  readonly wireguardGo?: string;
  /**
   * Whether to try kernel WireGuard first. Default: when `/sys/module/wireguard` exists;
   * false skips the attempt (the kernel here has no module).
   */
  readonly kernel?: boolean;
}

/** Peers per `wg set` call: keeps argv far below the kernel's limits. */
const PEERS_PER_CALL = 250;

export class WgCliBackend implements WgBackend {
  private readonly wireguardGo: string;
  private readonly kernel: boolean;

  constructor(
    private readonly runner: Runner,
    opts: WgCliOptions = {},
  ) {
    this.wireguardGo = opts.wireguardGo ?? "wireguard-go";
    this.kernel = opts.kernel ?? existsSync("/sys/module/wireguard");
  }

  async listDevices(): Promise<string[]> {
    const out = (await this.runner.run("wg", ["show", "interfaces"])).stdout.trim();
    return out === "" ? [] : out.split(/\s+/).sort();
  }

  async show(name: string): Promise<LiveDevice | undefined> {
    if (!(await this.listDevices()).includes(name)) return undefined;
    return parseWgDump((await this.runner.run("wg", ["show", name, "dump"])).stdout, name)[0];
  }

  async showAll(opts: ShowAllOptions = {}): Promise<LiveDevice[]> {
    const dump = this.runner.run("wg", ["show", "all", "dump"]);
    opts.onRequested?.();
    return parseWgDump((await dump).stdout);
  }

  async cannotCreate(): Promise<string | undefined> {
    if (this.kernel) return undefined;
    if (this.runner.has(this.wireguardGo)) return undefined;
    return `${this.wireguardGo} not found on PATH and no kernel WireGuard module`;
  }

  async create(name: string): Promise<DeviceKind> {
    if (this.kernel) {
      try {
        await this.runner.run("ip", ["link", "add", name, "type", "wireguard"]);
        return "kernel";
      } catch (e) {
        if (!(e instanceof CommandFailedError)) throw e;
        // "Unknown device type": fall through to userspace, exactly as wg-quick does.
      }
    }
    await this.runner.daemon(this.wireguardGo, [name]);
    return "wireguard-go";
  }

  async delete(name: string): Promise<void> {
    await this.runner.run("ip", ["link", "delete", "dev", name]);
  }

  async setPrivateKey(name: string, keyFile: string): Promise<void> {
    await this.runner.run("wg", ["set", name, "private-key", keyFile]);
  }

  async setListenPort(name: string, port: number): Promise<void> {
    await this.runner.run("wg", ["set", name, "listen-port", String(port)]);
  }

  async setPeer(name: string, peer: PeerSpec): Promise<void> {
    await this.setPeers(name, [peer]);
  }

  async setPeers(name: string, peers: readonly PeerSpec[]): Promise<void> {
    const needsFiles = peers.some((p) => typeof p.presharedKey === "string");
    const dir = needsFiles ? await mkdtemp(join(tmpdir(), "hubwire-")) : undefined;
    try {
      for (let at = 0; at < peers.length; at += PEERS_PER_CALL) {
        const args = ["set", name];
        for (const [i, peer] of peers.slice(at, at + PEERS_PER_CALL).entries()) {
          args.push("peer", peer.publicKey);
          if (peer.endpoint !== undefined) args.push("endpoint", peer.endpoint);
          args.push(
            "persistent-keepalive",
            peer.persistentKeepalive > 0 ? String(peer.persistentKeepalive) : "off",
          );
          args.push("allowed-ips", peer.allowedIPs.join(","));
          if (peer.presharedKey === null) args.push("preshared-key", "/dev/null");
          else if (peer.presharedKey !== undefined && dir !== undefined) {
            const file = join(dir, `psk${at + i}`);
            await writeFile(file, `${peer.presharedKey}\n`, { mode: 0o600 });
            args.push("preshared-key", file);
          }
        }
        await this.runner.run("wg", args, { timeoutMs: 120_000 });
      }
    } finally {
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    }
  }

  async removePeer(name: string, publicKey: string): Promise<void> {
    await this.runner.run("wg", ["set", name, "peer", publicKey, "remove"]);
  }

  async setConf(name: string, confFile: string): Promise<void> {
    await this.runner.run("wg", ["setconf", name, confFile], { timeoutMs: 300_000 });
  }
}
