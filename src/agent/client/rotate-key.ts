/**
 * Key rotation from the agent (SPEC §4): submit a new public key, authenticated by the node
 * credential and proving possession of the new private key; the controller swaps the Node's key in
 * one revision, so every hub replaces the peer at once. Over TLS pinned to the controller's CA.
 */
import { createHash, X509Certificate } from "node:crypto";
import { proveKey } from "../../keys/proof.js";
import { publicKeyFromPrivate } from "../../keys/wgkeys.js";
import {
  type RotateAnswer,
  requestTimestamp,
  rotateAnswer,
  rotateProofMessage,
} from "../../model/enroll-wire.js";
import { EnrollError, newNonce } from "./enroll.js";
import { pinnedRequest } from "./pinned-https.js";

/** The controller answered and said no: retrying the same key cannot help. */
export class RotationRefused extends EnrollError {}

export interface RotateOptions {
  readonly urls: readonly string[];
  /** `hwn_…` */
  readonly credential: string;
  readonly node: string;
  /** The NEW private key; only its public half and a proof leave the node. */
  readonly newPrivateKey: string;
  /** The controller's static X25519 public key (the join token's `controllerKey`). */
  readonly controllerKey: string;
  /** The CA to pin: its PEM (from the enrollment answer) or its SHA-256. */
  readonly caPem?: string;
  readonly caSha256?: string;
  readonly now?: () => Date;
  readonly signal?: AbortSignal;
}

/** Replaces the node's public key; resolves with the revision that carries it. */
export async function rotateKey(opts: RotateOptions): Promise<RotateAnswer> {
  const pin =
    opts.caSha256 ??
    (opts.caPem ? createHash("sha256").update(new X509Certificate(opts.caPem).raw).digest("hex") : undefined);
  if (!pin) throw new EnrollError("rotateKey needs caPem or caSha256 to pin the controller");
  const now = (opts.now ?? (() => new Date()))();
  const unsigned = {
    publicKey: publicKeyFromPrivate(opts.newPrivateKey),
    nonce: newNonce(),
    timestamp: requestTimestamp(now),
  };
  const proof = proveKey(
    opts.newPrivateKey,
    opts.controllerKey,
    "rotate",
    rotateProofMessage(opts.node, unsigned as never),
  );
  const failures: string[] = [];
  for (const base of opts.urls) {
    let res: Awaited<ReturnType<typeof pinnedRequest>>;
    try {
      res = await pinnedRequest({
        url: new URL("/agent/v1/rotate-key", base).toString(),
        method: "POST",
        body: { ...unsigned, proof },
        headers: { authorization: `Bearer ${opts.credential}` },
        caSha256: pin,
        now,
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
    } catch (error) {
      failures.push(`${base}: ${(error as Error).message}`);
      continue;
    }
    const json = JSON.parse(res.text || "{}") as {
      error?: { code: string; message: string; reason?: string };
    };
    if (res.status === 200) return rotateAnswer.parse(json);
    const e = json.error;
    throw new RotationRefused(
      `key rotation refused (${res.status}): ${e?.message ?? ""}${e?.reason ? ` [${e.reason}]` : ""}`,
    );
  }
  throw new EnrollError(`no controller answered: ${failures.join("; ")}`);
}
