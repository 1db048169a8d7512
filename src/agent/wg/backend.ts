/**
 * The WireGuard device back end the agent drives. One interface, so the `wg`-CLI
 * implementation ({@link WgCliBackend}) can be joined by a UAPI-socket or netlink one
 * without touching the planner or the executor.
 */
import type { LiveDevice } from "../../wgconf/index.js";

/** One peer as the agent writes it. */
export interface PeerSpec {
  readonly publicKey: string;
  /** `host:port`; absent: leave whatever the device has (a roaming peer keeps its address). */
  readonly endpoint?: string;
  readonly allowedIPs: readonly string[];
  /** Seconds; 0 = off. */
  readonly persistentKeepalive: number;
  /** Base64 preshared key; null: none (removes one); absent: leave as is. */
  readonly presharedKey?: string | null;
}

/** Options of {@link WgBackend.showAll}. */
export interface ShowAllOptions {
  readonly onRequested?: () => void;
}

/** How an interface was created. */
export type DeviceKind = "kernel" | "wireguard-go";

/** A WireGuard back end: create and delete devices, read them, change them by delta. */
export interface WgBackend {
  /** Names of every WireGuard interface on the machine, ours or not. */
  listDevices(): Promise<string[]>;
  /** Live state of one interface; undefined when it does not exist. */
  show(name: string): Promise<LiveDevice | undefined>;
  /**
   * Live state of every WireGuard interface. `onRequested` is called once the reads are on
   * their way (requests written, processes started), so a caller can then start processes of
   * its own: a spawn blocks this thread, and the device should be working on its answer by then.
   */
  showAll(opts?: ShowAllOptions): Promise<LiveDevice[]>;
  /**
   * Why no interface could be created here (no kernel module and no wireguard-go), or
   * undefined when creation can work. Checked before any change is made.
   */
  cannotCreate(): Promise<string | undefined>;
  /** Creates `name`: kernel WireGuard when available, else wireguard-go (as wg-quick does). */
  create(name: string): Promise<DeviceKind>;
  /** Deletes the interface (a wireguard-go daemon exits with it). */
  delete(name: string): Promise<void>;
  /** Sets the private key from a 0600 file: the key never appears in argv. */
  setPrivateKey(name: string, keyFile: string): Promise<void>;
  setListenPort(name: string, port: number): Promise<void>;
  /** Adds or changes one peer; other peers and their sessions are untouched. */
  setPeer(name: string, peer: PeerSpec): Promise<void>;
  /**
   * Adds or changes many peers in as few calls as the back end allows (one `wg set` per few
   * hundred peers): a hub's first apply of 10,000 peers must not take 10,000 processes.
   */
  setPeers(name: string, peers: readonly PeerSpec[]): Promise<void>;
  removePeer(name: string, publicKey: string): Promise<void>;
  /** Replaces the whole device configuration from a `wg setconf` file (benchmarks, recovery). */
  setConf(name: string, confFile: string): Promise<void>;
}
