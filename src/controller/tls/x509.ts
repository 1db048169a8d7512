/**
 * Loads @peculiar/x509 wired to Node's WebCrypto. The library resolves its algorithms through tsyringe,
 * which needs the Reflect Metadata polyfill loaded first; both are imported dynamically, in that order, so
 * no import sorting can put the library first and no process that never makes a certificate pays for them.
 */
import { webcrypto } from "node:crypto";

/** The @peculiar/x509 module namespace. */
export type X509 = typeof import("@peculiar/x509");

let loading: Promise<X509> | undefined;

/** The library, with `cryptoProvider` set to Node's WebCrypto; loaded once per process. */
export function loadX509(): Promise<X509> {
  loading ??= (async () => {
    await import("reflect-metadata");
    const x509 = await import("@peculiar/x509");
    x509.cryptoProvider.set(webcrypto as ReturnType<typeof x509.cryptoProvider.get>);
    return x509;
  })();
  return loading;
}
