/**
 * Log lines for people at a terminal: `12:00:01 INFO  message key=value`, and one line per HTTP
 * request (`GET /api/v1/nodes 200 3.1ms`) instead of pino's two JSON lines. JSON stays the format
 * when output is not a terminal (or with `--log-format json`), for log collectors.
 */
import { Writable } from "node:stream";

const LEVELS: Record<number, string> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO ",
  40: "WARN ",
  50: "ERROR",
  60: "FATAL",
};
/** Fields every pino line has, or that the request line already says. */
const SKIP = new Set(["level", "time", "pid", "hostname", "msg", "reqId", "req", "res", "responseTime", "v"]);

/**
 * One JSON log line as text; null for lines folded into another (a request's start) and, with
 * `quietReads`, for reads that succeeded (the UI polls every few seconds; writes and errors stay).
 */
export function prettyLine(json: string, pending: Map<string, string>, quietReads = false): string | null {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.trimEnd();
  }
  const time = new Date(typeof o.time === "number" ? o.time : Date.now()).toISOString().slice(11, 19);
  const level = LEVELS[Number(o.level)] ?? String(o.level);
  const req = o.req as { method?: string; url?: string } | undefined;
  const id = String(o.reqId ?? "");
  if (o.msg === "incoming request" && req) {
    pending.set(id, `${req.method} ${req.url}`);
    return null;
  }
  let msg = String(o.msg ?? "");
  if (o.msg === "request completed") {
    const res = o.res as { statusCode?: number } | undefined;
    const line = pending.get(id) ?? "";
    if (quietReads && /^(GET|HEAD) /.test(line) && (res?.statusCode ?? 500) < 400) {
      pending.delete(id);
      return null;
    }
    const took = typeof o.responseTime === "number" ? ` ${o.responseTime.toFixed(1)}ms` : "";
    msg = `${pending.get(id) ?? "request"} ${res?.statusCode ?? ""}${took}`;
    pending.delete(id);
  }
  const extra = Object.entries(o)
    .filter(([k]) => !SKIP.has(k))
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ");
  return `${time} ${level} ${msg}${extra ? ` ${extra}` : ""}`;
}

/** A pino destination writing `prettyLine`s to `out`. */
export function prettyStream(out: NodeJS.WritableStream = process.stdout, quietReads = true): Writable {
  const pending = new Map<string, string>();
  let rest = "";
  return new Writable({
    write(chunk: Buffer | string, _enc, done) {
      const lines = (rest + chunk.toString()).split("\n");
      rest = lines.pop() ?? "";
      for (const l of lines) {
        if (l === "") continue;
        const text = prettyLine(l, pending, quietReads);
        if (text !== null) out.write(`${text}\n`);
      }
      done();
    },
  });
}
