/**
 * Serves the web UI (the Vite build in `dist/web`, made by `npm run build`) at
 * `/`: hashed assets with long caching, and `index.html` for every other GET
 * that a browser navigates to, so client-side routes (`/nodes/branch-ber`)
 * survive a reload. Never for the machine prefixes (`/api/`, `/agent/`,
 * `/enroll/`, `/metrics`, `/healthz`, `/readyz`): a typo there must stay a
 * JSON 404, not turn into an HTML page with status 200.
 */
import { existsSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

/** Where `vite build` writes the UI: `dist/web` at the repository root, from `src/` or `dist/`. */
export const DEFAULT_WEB_DIR = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../dist/web");

/** Paths that belong to machines: never answered with the UI. */
const RESERVED = /^\/(api|agent|enroll|metrics|healthz|readyz)(\/|$)/;

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".html": "text/html; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".json": "application/json",
  ".txt": "text/plain; charset=utf-8",
};

/** Shown at `/` when the UI was not built (e.g. `tsc` alone): says how to get it. */
const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>hubwire controller</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; line-height: 1.5">
<h1>hubwire controller</h1>
<p>The controller is running, but the web UI was not built. Run <code>npm run build</code>
(or <code>npm ci</code>, which builds it). Meanwhile use the <code>hubwire</code> CLI or the REST API.</p>
<ul>
<li><a href="/api/v1/openapi.json">REST API description (OpenAPI 3.1)</a></li>
<li><a href="/metrics">Prometheus metrics</a> · <a href="/healthz">health</a> · <a href="/readyz">readiness</a></li>
</ul>
</body></html>
`;

/** Security headers for the UI's documents: no framing, no inline script, same-origin only. */
function documentHeaders(reply: FastifyReply): void {
  reply.header(
    "content-security-policy",
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
  );
  reply.header("x-content-type-options", "nosniff");
  reply.header("referrer-policy", "no-referrer");
  reply.header("cache-control", "no-cache");
}

/** Whether a request is a browser navigation the UI should answer (GET/HEAD, not a machine path). */
export function isUiNavigation(method: string, url: string): boolean {
  return (method === "GET" || method === "HEAD") && !RESERVED.test(url);
}

/**
 * Registers `/`, `/assets/*` and the SPA fallback. Returns the handler for
 * unmatched requests that should get the UI, or undefined for a JSON 404.
 */
export function registerWebUi(
  app: FastifyInstance,
  dir: string = DEFAULT_WEB_DIR,
): (request: FastifyRequest, reply: FastifyReply) => Promise<boolean> {
  const indexPath = join(dir, "index.html");
  const built = existsSync(indexPath);
  const index = built ? readFileSync(indexPath, "utf8") : NOT_BUILT;
  const root = resolve(dir) + sep;

  const sendIndex = (reply: FastifyReply) => {
    documentHeaders(reply);
    reply.type("text/html; charset=utf-8");
    return reply.send(index);
  };
  app.get("/", async (_req, reply) => sendIndex(reply));

  return async (request, reply) => {
    const path = decodeURIComponent((request.url.split("?")[0] ?? "/").replace(/\+/g, " "));
    if (!isUiNavigation(request.method, path)) return false;
    // Dot segments and dot files are never served: no climbing out, no hidden files.
    if (path.split("/").some((p) => p.startsWith("."))) return false;
    // A file of the build (assets, favicon): only inside the folder.
    if (built && extname(path) !== "") {
      const file = resolve(dir, `.${path}`);
      if (file.startsWith(root)) {
        const body = await readFile(file).catch(() => undefined);
        if (body) {
          reply.type(TYPES[extname(file)] ?? "application/octet-stream");
          reply.header("x-content-type-options", "nosniff");
          reply.header(
            "cache-control",
            path.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "no-cache",
          );
          reply.send(body);
          return true;
        }
      }
      if (path.startsWith("/assets/")) return false;
    }
    await sendIndex(reply);
    return true;
  };
}
