/**
 * The preshared keys a desired state names (`presharedKeyRef`). They are fetched from the
 * controller only when the state names one the agent does not have, or when the controller's
 * preshared-key secret moved to another generation (`presharedKeyGeneration`): not on every
 * delivery, which on a hub would move every pair's key over the wire for each new spoke. Within
 * one generation only the missing keys are asked for (a hub that gains a spoke fetches one key).
 * Fetched keys are saved (0600) so a restart without the controller can still apply; the apply
 * does not wait for that write, the saving of the last applied state does (see `saved`).
 */
import type { DesiredState } from "../../model/index.js";
import type { ConfigClient } from "../client/config-client.js";
import type { StateDir } from "../state-dir.js";
import type { AgentLog } from "./agent-log.js";

/** At most this many refs are asked for by name (they go in the URL); more: all keys. */
const ASK_BY_NAME = 64;

export class PresharedKeys {
  private keys: Map<string, string> | undefined;
  /** The generation `keys` were fetched for; undefined until the controller answered once. */
  private generation: number | undefined;
  /** Controller fetches so far (the daemon's tests count them). */
  fetches = 0;
  /** The last write of fetched keys, after those before it; see {@link saved}. */
  private saving: Promise<void> = Promise.resolve();
  /**
   * The keys of the state last applied, which a restart without the controller re-applies until a
   * newer one is applied; undefined until then (the saved file holds them).
   */
  private inUse: ReadonlyMap<string, string> | undefined;

  constructor(
    private readonly deps: {
      readonly client: () => ConfigClient;
      readonly dir: StateDir;
      readonly log: AgentLog;
      readonly signal: AbortSignal;
    },
  ) {}

  /**
   * Settles when the keys fetched last are saved; rejects when that write failed (the keys are
   * then fetched again next time). The apply that uses them does not wait for the write (two
   * fsyncs, ≈ 20 ms on a hub's path from answer to peer): the caller waits here before it saves
   * the state that names them as the last applied one, so a restart without the controller never
   * re-applies a state whose keys were not saved.
   */
  saved(): Promise<void> {
    const saving = this.saving;
    // A failed write is reported once; the keys it held are fetched (and saved) again.
    return saving.catch((error: unknown) => {
      if (this.saving === saving) this.saving = Promise.resolve();
      throw error;
    });
  }

  /** The state whose keys `for` gave as `keys` is now the last applied one. */
  applied(keys: ReadonlyMap<string, string>): void {
    this.inUse = keys;
  }

  private save(keys: Map<string, string>): void {
    // The file keeps the last applied state's keys beside the new ones until that state is
    // replaced: a crash between this write and the next applied state's leaves a restart without
    // the controller re-applying the old one, which may name a pair the new one dropped.
    const write = this.saving
      .catch(() => {})
      .then(async () => {
        const inUse = this.inUse ?? (await this.deps.dir.readPresharedKeys().catch(() => new Map())); // unreadable: none to keep
        await this.deps.dir.writePresharedKeys(new Map([...inUse, ...keys]));
      });
    this.saving = write.catch((error: unknown) => {
      if (this.keys === keys) {
        this.keys = undefined;
        this.generation = undefined;
      }
      throw new Error(`could not save preshared keys: ${(error as Error).message}`);
    });
    this.saving.catch(() => {}); // seen by `saved()`, not left unhandled
  }

  /**
   * The keys `desired` names. `offline` (a failover move, which re-applies the applied state):
   * the keys in use, without asking the controller. A key that is still missing fails the
   * apply, so a peer is never set up without the key its other end uses.
   */
  async for(desired: DesiredState, offline = false): Promise<Map<string, string>> {
    const refs = new Set(desired.interfaces.flatMap((i) => i.peers.flatMap((p) => p.presharedKeyRef ?? [])));
    if (refs.size === 0) return new Map();
    const generation = desired.presharedKeyGeneration ?? 0;
    const stale =
      this.keys === undefined || this.generation !== generation || [...refs].some((r) => !this.keys!.has(r));
    if (stale && !offline) {
      try {
        this.fetches++;
        const held = this.generation === generation ? this.keys : undefined;
        const lacking = held ? [...refs].filter((r) => !held.has(r)) : [];
        const fetched =
          held && lacking.length <= ASK_BY_NAME
            ? await this.deps.client().presharedKeys(this.deps.signal, lacking)
            : await this.deps.client().presharedKeys(this.deps.signal);
        // Keep the keys the state names: those held and those just fetched.
        const keys = new Map<string, string>();
        for (const r of refs) {
          const k = fetched.get(r) ?? (held === undefined ? undefined : held.get(r));
          if (k !== undefined) keys.set(r, k);
        }
        this.keys = keys;
        this.generation = generation;
        this.save(keys);
      } catch (error) {
        this.deps.log.warn(
          { error: (error as Error).message },
          "could not fetch preshared keys; using saved ones",
        );
      }
    }
    // Not fetched (offline, or the controller did not answer): the saved keys are those last in use.
    this.keys ??= await this.deps.dir.readPresharedKeys();
    const keys = this.keys;
    const missing = [...refs].filter((r) => !keys.has(r));
    if (missing.length > 0) throw new Error(`no preshared key for ${missing.join(", ")}`);
    return keys;
  }
}
