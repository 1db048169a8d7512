/**
 * The agent's side of enrollment (SPEC §4): sign a join request with the token's secret, prove
 * possession of the node's private key, send it over TLS pinned to the token's CA hash, and — for
 * policies with manual approval — poll until an operator decides, collecting the node credential
 * with a proof of possession (the join token is not needed for that). Controller URLs are tried in
 * order; the first that answers decides.
 */
import { randomBytes } from "node:crypto";
import { proveKey } from "../../keys/proof.js";
import { publicKeyFromPrivate } from "../../keys/wgkeys.js";
import {
  type EnrollAnswer,
  enrollAnswer,
  requestTimestamp,
  statusProofMessage,
} from "../../model/enroll-wire.js";
import { enrollmentSpec } from "../../model/index.js";
import { type JoinRequest, joinHmac, joinPayload } from "../../model/join-payload.js";
import { type JoinToken, parseJoinToken } from "../../model/join-token.js";
import { type PinnedResponse, pinnedRequest } from "./pinned-https.js";

/** What the node asks for beyond its name and key (a pre-declared Node may supply the rest). */
export interface EnrollRequestFields {
  readonly endpoint?: string;
  readonly tunnelAddress?: string;
  readonly subnets?: readonly string[];
  readonly listenPort?: number;
  readonly persistentKeepalive?: number;
}

/** What every call to the enrollment endpoints needs. */
export interface StatusOptions {
  /** The join token text; a status poll uses only its pin, controller key and URLs (it may have expired). */
  readonly token: string;
  readonly nodeName: string;
  /** The node's WireGuard private key (base64, as `wg genkey`). Never sent. */
  readonly privateKey: string;
  /** Controller URLs to use instead of the token's. */
  readonly urls?: readonly string[];
  readonly now?: () => Date;
  readonly signal?: AbortSignal;
}

export interface EnrollOptions extends StatusOptions {
  readonly request: EnrollRequestFields;
}

/** Where an enrollment stands, as the controller answered. */
export interface EnrollResult {
  readonly state: EnrollAnswer["state"];
  readonly node: string;
  /** `hwn_…`: present once approved; store it (0600), it is not shown again. */
  readonly credential?: string;
  readonly controllerUrls: string[];
  /** The controller's CA (PEM), for later connections (config, status). */
  readonly caPem?: string;
  readonly reason?: string;
  readonly expiresAt?: string;
}

/** The controller could not be reached, refused for a reason other than a check, or is rate limiting. */
export class EnrollError extends Error {
  override readonly name = "EnrollError";
  constructor(
    message: string,
    /** Seconds to wait, when the controller said (429). */
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

/** RFC 3339 UTC without fractions, as the request schema wants. */
/** A fresh request nonce: 128 random bits, lowercase hex. */
export const newNonce = () => randomBytes(16).toString("hex");

/** The signed request the agent sends, with its HMAC and proof (exported for tests and `hubwire join`). */
export function buildJoin(
  token: JoinToken,
  nodeName: string,
  privateKey: string,
  fields: EnrollRequestFields,
  now: Date,
) {
  const request: JoinRequest = {
    policy: token.policy,
    network: token.network,
    nodeName,
    audience: token.audience,
    nonce: newNonce(),
    timestamp: requestTimestamp(now),
    role: token.role,
    ...(fields.tunnelAddress !== undefined ? { tunnelAddress: fields.tunnelAddress } : {}),
    ...(fields.endpoint !== undefined ? { endpoint: fields.endpoint } : {}),
    subnets: [...(fields.subnets ?? [])],
    publicKey: publicKeyFromPrivate(privateKey) as JoinRequest["publicKey"],
    ...(fields.listenPort !== undefined ? { listenPort: fields.listenPort } : {}),
    ...(fields.persistentKeepalive !== undefined ? { persistentKeepalive: fields.persistentKeepalive } : {}),
  };
  // Validate before signing: a malformed field is our error, not something to send and be refused for.
  const checked = enrollmentSpec.omit({ hmac: true }).safeParse(request);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    throw new EnrollError(`invalid enrollment request: ${issue.path.join(".")}: ${issue.message}`);
  }
  const hmac = joinHmac(request, token.secret);
  const proof = proveKey(privateKey, token.controllerKey, "join", joinPayload(request));
  return { tokenId: token.id, tokenSecret: token.secret, request: { ...request, hmac }, proof };
}

/** Sends `body` to each URL in turn until one answers; connection and pin failures move on. */
async function post(
  urls: readonly string[],
  path: string,
  body: unknown,
  caSha256: string,
  now: Date,
  signal?: AbortSignal,
): Promise<PinnedResponse> {
  if (urls.length === 0) throw new EnrollError("no controller URL to enroll with");
  const failures: string[] = [];
  for (const base of urls) {
    try {
      return await pinnedRequest({
        url: new URL(path, base).toString(),
        method: "POST",
        body,
        caSha256,
        now,
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      failures.push(`${base}: ${(error as Error).message}`);
      if (signal?.aborted) break;
    }
  }
  throw new EnrollError(`no controller answered: ${failures.join("; ")}`);
}

/** Turns the controller's answer into a result, or throws EnrollError. */
function resultOf(res: PinnedResponse, node: string, urls: readonly string[]): EnrollResult {
  let json: unknown;
  try {
    json = JSON.parse(res.text);
  } catch {
    throw new EnrollError(`the controller answered ${res.status} without JSON`);
  }
  if (res.status === 200) {
    const answer = enrollAnswer.parse(json);
    return {
      state: answer.state,
      node: answer.node,
      ...(answer.credential ? { credential: answer.credential } : {}),
      controllerUrls: answer.controllerUrls.length > 0 ? answer.controllerUrls : [...urls],
      caPem: answer.caPem ?? res.caPem,
      ...(answer.reason ? { reason: answer.reason } : {}),
      ...(answer.expiresAt ? { expiresAt: answer.expiresAt } : {}),
    };
  }
  const error =
    (json as { error?: { code?: string; message?: string; reason?: string; state?: string } }).error ?? {};
  if (res.status === 403 && error.code === "enrollment-rejected") {
    return {
      state: (error.state as EnrollResult["state"]) ?? "Rejected",
      node,
      controllerUrls: [...urls],
      caPem: res.caPem,
      reason: `${error.reason}: ${error.message}`,
    };
  }
  const retry = Number(res.headers["retry-after"]);
  throw new EnrollError(
    `the controller answered ${res.status}: ${error.message ?? "error"}${error.code ? ` [${error.code}]` : ""}`,
    res.status === 429 && Number.isFinite(retry) ? retry : undefined,
  );
}

/** Asks to join. Resolves with the state (Approved with a credential, Pending, or a refusal and its reason). */
export async function enroll(opts: EnrollOptions): Promise<EnrollResult> {
  const token = parseJoinToken(opts.token);
  const now = (opts.now ?? (() => new Date()))();
  const urls = opts.urls ?? token.urls;
  const body = buildJoin(token, opts.nodeName, opts.privateKey, opts.request, now);
  const res = await post(urls, "/enroll/v1/join", body, token.caSha256, now, opts.signal);
  return resultOf(res, opts.nodeName, urls);
}

/** One status poll: where the enrollment stands; the credential once Approved. */
export async function enrollmentStatus(opts: StatusOptions): Promise<EnrollResult> {
  const token = parseJoinToken(opts.token);
  const now = (opts.now ?? (() => new Date()))();
  const urls = opts.urls ?? token.urls;
  const unsigned = {
    node: opts.nodeName,
    publicKey: publicKeyFromPrivate(opts.privateKey),
    nonce: newNonce(),
    timestamp: requestTimestamp(now),
  };
  const proof = proveKey(
    opts.privateKey,
    token.controllerKey,
    "status",
    statusProofMessage(unsigned as never),
  );
  const res = await post(urls, "/enroll/v1/status", { ...unsigned, proof }, token.caSha256, now, opts.signal);
  return resultOf(res, opts.nodeName, urls);
}

export interface WaitOptions extends StatusOptions {
  /** First delay between polls (ms); doubles up to `maxDelayMs`, with ±20 % jitter. */
  readonly minDelayMs?: number;
  readonly maxDelayMs?: number;
}

/**
 * Polls until the enrollment is no longer Pending (an operator approved or rejected it, or it
 * expired) and returns that answer. Unreachable controllers and rate limits are waited out with
 * backoff; abort with `signal`.
 */
export async function waitForApproval(opts: WaitOptions): Promise<EnrollResult> {
  const min = opts.minDelayMs ?? 2_000;
  const max = opts.maxDelayMs ?? 60_000;
  let delay = min;
  for (;;) {
    let wait = delay;
    try {
      const result = await enrollmentStatus(opts);
      if (result.state !== "Pending") return result;
    } catch (error) {
      if (!(error instanceof EnrollError)) throw error;
      if (error.retryAfter !== undefined) wait = Math.max(wait, error.retryAfter * 1000);
    }
    if (opts.signal?.aborted) throw new EnrollError("aborted");
    const jittered = wait * (0.8 + Math.random() * 0.4);
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, jittered);
      opts.signal?.addEventListener(
        "abort",
        () => {
          clearTimeout(t);
          resolve();
        },
        { once: true },
      );
    });
    delay = Math.min(max, delay * 2);
  }
}
