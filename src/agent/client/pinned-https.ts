/**
 * HTTPS to the controller trusting exactly one CA, named by the SHA-256 of its certificate (the
 * join token's pin, as kubeadm does): no public PKI, no CA file needed on first contact. The TLS
 * connection is made and the pin checked before the HTTP request is even created, so nothing —
 * least of all a secret — is sent to a controller presenting another certificate.
 */
import { createHash, X509Certificate } from "node:crypto";
import http from "node:http";
import { isIP } from "node:net";
import tls, { type TLSSocket } from "node:tls";

/** The controller's certificate does not chain to the pinned CA. */
export class PinError extends Error {
  override readonly name = "PinError";
}

/** An answer: status, headers, body text. */
export interface PinnedResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
  /** The pinned CA certificate as the server presented it (PEM). */
  readonly caPem: string;
}

export interface PinnedRequest {
  readonly url: string;
  readonly method: "GET" | "POST";
  /** JSON-encoded when given. */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Lowercase hex SHA-256 of the CA certificate's DER. */
  readonly caSha256: string;
  readonly now?: Date;
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
}

const sha256 = (der: Buffer) => createHash("sha256").update(der).digest("hex");

/**
 * The pinned CA in the chain `socket`'s peer presented, after checking that every link from the
 * leaf up to it is signed by the next and that the leaf is valid at `now`. Throws PinError.
 */
export function checkPin(socket: TLSSocket, caSha256: string, now: Date): X509Certificate {
  const chain: X509Certificate[] = [];
  let cert = socket.getPeerCertificate(true);
  const seen = new Set<string>();
  while (cert?.raw && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    chain.push(new X509Certificate(cert.raw));
    cert = cert.issuerCertificate;
  }
  const leaf = chain[0];
  if (!leaf) throw new PinError("the controller presented no certificate");
  if (Date.parse(leaf.validFrom) > now.getTime() || Date.parse(leaf.validTo) < now.getTime()) {
    throw new PinError("the controller's certificate is not valid now");
  }
  for (let i = 0; i < chain.length; i++) {
    if (sha256(chain[i]!.raw) === caSha256) {
      for (let j = 0; j < i; j++) {
        const child = chain[j]!;
        const parent = chain[j + 1]!;
        if (!child.checkIssued(parent) || !child.verify(parent.publicKey)) {
          throw new PinError("the controller's certificate chain is broken");
        }
      }
      return chain[i]!;
    }
  }
  throw new PinError(
    `the controller's certificate does not chain to the pinned CA (sha256 ${caSha256.slice(0, 16)}…); refusing to talk to it`,
  );
}

/** Connects, checks the pin, and only then sends the request. */
export async function pinnedRequest(r: PinnedRequest): Promise<PinnedResponse> {
  const url = new URL(r.url);
  if (url.protocol !== "https:") throw new PinError(`${r.url}: enrollment needs https://`);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const port = Number(url.port || 443);
  const timeoutMs = r.timeoutMs ?? 30_000;
  const { socket, ca } = await new Promise<{ socket: TLSSocket; ca: X509Certificate }>((resolve, reject) => {
    const s = tls.connect({
      host,
      port,
      ...(isIP(host) === 0 ? { servername: host } : {}),
      // The pin replaces the usual trust store: checked by checkPin before anything is written.
      rejectUnauthorized: false,
      ALPNProtocols: ["http/1.1"],
    });
    const fail = (error: Error) => {
      s.destroy();
      reject(error);
    };
    s.setTimeout(timeoutMs, () => fail(new Error(`${url.origin}: timed out`)));
    r.signal?.addEventListener("abort", () => fail(new Error("aborted")), { once: true });
    s.once("error", fail);
    s.once("secureConnect", () => {
      try {
        const pinned = checkPin(s, r.caSha256, r.now ?? new Date());
        s.removeListener("error", fail);
        resolve({ socket: s, ca: pinned });
      } catch (error) {
        fail(error as Error);
      }
    });
  });
  const payload = r.body === undefined ? undefined : JSON.stringify(r.body);
  return new Promise<PinnedResponse>((resolve, reject) => {
    const req = http.request(
      {
        method: r.method,
        path: `${url.pathname}${url.search}`,
        headers: {
          host: url.host,
          accept: "application/json",
          ...(payload !== undefined
            ? { "content-type": "application/json", "content-length": String(Buffer.byteLength(payload)) }
            : {}),
          ...r.headers,
        },
        createConnection: () => socket,
        timeout: timeoutMs,
        ...(r.signal ? { signal: r.signal } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          socket.destroy();
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString("utf8"),
            caPem: ca.toString(),
          });
        });
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${url.origin}: timed out`)));
    req.on("error", (e) => {
      socket.destroy();
      reject(e);
    });
    req.end(payload);
  });
}
