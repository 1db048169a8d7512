/**
 * One request on a wireguard-go UAPI socket: connect, write, read until the `errno=N` line and
 * the blank line after it, close. wireguard-go keeps the connection open for further requests,
 * so the end of an answer is found in the text, not by EOF.
 */
import { realpathSync } from "node:fs";
import { createConnection } from "node:net";

/** Where wireguard-go keeps its sockets on this machine. */
export const DEFAULT_SOCKET_DIR = "/var/run/wireguard";

/**
 * The socket directory of the host whose mount namespace process `pid` is in, seen from here
 * through `/proc/PID/root` (test hosts keep a private tmpfs there). `/var/run` is resolved on
 * this side first: it is an absolute symlink, which would otherwise point back at our own `/run`.
 */
export function socketDirOfProcess(pid: number): string {
  return `/proc/${pid}/root${realpathSync("/var/run")}/wireguard`;
}

/** The socket could not be reached (no daemon behind it, or it vanished). */
export class UapiUnreachableError extends Error {
  readonly code = "wg-uapi-unreachable";
  constructor(
    readonly path: string,
    readonly errnoCode: string | undefined,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = "UapiUnreachableError";
  }
}

const END = /(?:^|\n)errno=-?\d+\n\n$/;

/** Options of {@link uapiRequest}. */
export interface UapiRequestOptions {
  /** Default 30 s. */
  readonly timeoutMs?: number;
  /** Called once the request has been handed to the socket. */
  readonly onSent?: () => void;
}

/** Sends `request` (ending in a blank line) and resolves with the whole answer text. */
export function uapiRequest(path: string, request: string, opts: UapiRequestOptions = {}): Promise<string> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const sock = createConnection(path);
    const chunks: string[] = [];
    let tail = "";
    let done = false;
    const finish = (err: Error | undefined) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(chunks.join(""));
    };
    const timer = setTimeout(
      () => finish(new UapiUnreachableError(path, "ETIMEDOUT", `no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    sock.setEncoding("utf8");
    sock.on("connect", () => {
      sock.write(request);
      opts.onSent?.();
    });
    sock.on("data", (chunk: string) => {
      chunks.push(chunk);
      // The end marker may straddle two chunks: look at the last few bytes of both.
      tail = (tail + chunk).slice(-32);
      if (END.test(tail)) finish(undefined);
    });
    sock.on("error", (e: NodeJS.ErrnoException) => finish(new UapiUnreachableError(path, e.code, e.message)));
    sock.on("close", () =>
      finish(new UapiUnreachableError(path, undefined, "connection closed before the answer ended")),
    );
  });
}
