/**
 * TLS for the controller's listeners (SPEC §8: TLS on every listener). Either the operator gives a
 * certificate and key, or the controller makes and keeps its own CA in `DATA_DIR/tls/`; in both cases the
 * result names the CA that agents pin by fingerprint in join tokens (SPEC §4).
 */
import { hostname } from "node:os";
import { ensureGeneratedTls } from "./generated.js";
import { loadGivenTls } from "./given.js";
import { wantedSans } from "./hostnames.js";
import type { TlsMaterial } from "./material.js";

export { caFingerprint, formatFingerprint } from "./fingerprint.js";
export type { TlsMaterial } from "./material.js";

/** Where the TLS material comes from. */
export type EnsureTlsOptions = {
  /** The controller's data directory; generated material lives in its `tls/` folder. */
  dataDir: string;
  /** A PEM chain (server first). Given together with `keyFile`, nothing is generated or written. */
  certFile?: string;
  /** The PEM private key of the first certificate in `certFile`. */
  keyFile?: string;
  /**
   * Extra names for a generated server certificate (IPs become IP SANs, others DNS SANs), besides
   * localhost, 127.0.0.1, ::1 and this machine's name. Ignored when `certFile` is given.
   */
  hostnames?: string[];
  /** The current time; only tests set it. */
  now?: Date;
};

/**
 * Returns the material a TLS listener needs, making or renewing the controller's own CA and server
 * certificate when no certificate is given. Safe to call from several processes on one data directory at
 * once: they all end up with the same CA. Throws, naming the file, when given or stored material is unusable.
 */
export async function ensureTls(options: EnsureTlsOptions): Promise<TlsMaterial> {
  const { certFile, keyFile } = options;
  if (certFile !== undefined || keyFile !== undefined) {
    if (certFile === undefined || keyFile === undefined) {
      throw new Error("a TLS certificate file and key file must be given together");
    }
    return loadGivenTls(certFile, keyFile);
  }
  const sans = wantedSans(hostname(), options.hostnames ?? []);
  return ensureGeneratedTls(options.dataDir, sans, options.now ?? new Date());
}
