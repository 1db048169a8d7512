/**
 * A small client for the controller's REST API as an operator uses it: logged in with a session
 * cookie and the CSRF token, over TLS pinned to the controller's own CA. For scenario tests that
 * run the real controller binary somewhere the test reaches only over the network.
 */
import https from "node:https";

export interface ApiAnswer {
  readonly status: number;
  readonly body: unknown;
  readonly text: string;
}

export class ControllerApi {
  private cookie = "";
  private csrf = "";

  constructor(
    /** `https://ADDR:PORT` */
    readonly base: string,
    private readonly caPem: string,
  ) {}

  async login(name: string, password: string): Promise<void> {
    const answer = await this.request("POST", "/api/v1/login", { name, password });
    if (answer.status !== 200) throw new Error(`login failed: ${answer.status} ${answer.text}`);
    this.csrf = (answer.body as { csrfToken: string }).csrfToken;
  }

  /** One request; JSON bodies, or YAML when `body` is a string. Never throws on an HTTP status. */
  request(method: string, path: string, body?: unknown): Promise<ApiAnswer> {
    const url = new URL(path, this.base);
    const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
    const headers: Record<string, string> = {};
    if (payload !== undefined) {
      headers["content-type"] = typeof body === "string" ? "application/yaml" : "application/json";
    }
    if (this.cookie) headers.cookie = this.cookie;
    if (this.csrf && method !== "GET") headers["x-csrf-token"] = this.csrf;
    return new Promise((resolve, reject) => {
      const req = https.request(url, { method, headers, ca: this.caPem, timeout: 20_000 }, (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (c: string) => {
          text += c;
        });
        res.on("end", () => {
          const setCookie = res.headers["set-cookie"]?.[0];
          if (setCookie) this.cookie = setCookie.split(";")[0]!;
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {}
          resolve({ status: res.statusCode ?? 0, body: parsed, text });
        });
      });
      req.on("timeout", () => req.destroy(new Error(`${method} ${path}: timed out`)));
      req.on("error", reject);
      req.end(payload);
    });
  }

  /** Like {@link request}, but throws unless the status is 2xx; returns the parsed body. */
  async ok<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const answer = await this.request(method, path, body);
    if (answer.status < 200 || answer.status > 299) {
      throw new Error(`${method} ${path}: ${answer.status} ${answer.text}`);
    }
    return answer.body as T;
  }
}
