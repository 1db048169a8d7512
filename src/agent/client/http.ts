/**
 * One HTTP(S) request with a JSON body, a deadline and an abort signal, over node:http/https so a
 * pinned CA (PEM) can replace the system roots for the controller's own certificate.
 */
import http from "node:http";
import https from "node:https";

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

export interface HttpRequest {
  readonly method: "GET" | "POST";
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** The whole exchange must finish within this, ms. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  readonly agent: http.Agent;
}

/** Keep-alive agents: connections to a controller are reused across long polls and reports. */
export function makeAgents(caPem: string | undefined): { http: http.Agent; https: https.Agent } {
  return {
    http: new http.Agent({ keepAlive: true, maxSockets: 4 }),
    https: new https.Agent({ keepAlive: true, maxSockets: 4, ...(caPem ? { ca: caPem } : {}) }),
  };
}

/** Sends the request; rejects on network errors, timeouts and aborts (never on an HTTP status). */
export function httpRequest(req: HttpRequest): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const lib = req.url.protocol === "https:" ? https : http;
    const headers: Record<string, string> = { ...req.headers };
    if (req.body !== undefined) {
      headers["content-type"] = "application/json";
      headers["content-length"] = String(Buffer.byteLength(req.body));
    }
    const request = lib.request(req.url, {
      method: req.method,
      headers,
      agent: req.agent,
      signal: req.signal,
    });
    const timer = setTimeout(
      () => request.destroy(new Error(`no answer from ${req.url.origin} within ${req.timeoutMs} ms`)),
      req.timeoutMs,
    );
    request.on("response", (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (c: Buffer) => chunks.push(c));
      response.on("end", () => {
        clearTimeout(timer);
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") });
      });
      response.on("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    request.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    request.end(req.body);
  });
}
