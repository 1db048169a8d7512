/**
 * A real Prometheus server for tests (Debian's `prometheus` binary): its own config and TSDB in a
 * temporary folder, listening on a free loopback port, scraping the given targets every second
 * and evaluating the given rule files; queried through its HTTP API. Stopped by PID.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { stringify } from "yaml";
import { freeLoopbackPort } from "../../src/controller/testing/live-controller.js";
import { type LongLived, startProcess, stopProcess } from "../harness/exec.js";

/** One sample of an instant query: labels, and the value as Prometheus prints it ("NaN" included). */
export interface Sample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

/** An instant query's answer: `error` set when Prometheus refused the query. */
export type QueryAnswer = { ok: true; samples: Sample[] } | { ok: false; error: string };

export interface RunningPrometheus {
  readonly url: string;
  readonly process: LongLived;
  /** `GET /api/v1/query` at the current time. */
  query(expr: string): Promise<QueryAnswer>;
  /** `GET /api/v1/...` as JSON `data`. */
  api<T>(path: string): Promise<T>;
  /** Reads `expr` again until `accept` holds for its samples (reads settle; they are retried). */
  waitFor(expr: string, accept: (samples: Sample[]) => boolean, timeoutMs?: number): Promise<Sample[]>;
  stop(): Promise<void>;
}

export interface PrometheusOptions {
  readonly dir: string;
  /** Scrape targets (`host:port`) of job `hubwire-controller`, plain HTTP. */
  readonly targets: readonly string[];
  readonly ruleFiles: readonly string[];
}

export async function startPrometheus(options: PrometheusOptions): Promise<RunningPrometheus> {
  const port = await freeLoopbackPort();
  const config = {
    global: { scrape_interval: "1s", evaluation_interval: "1s", scrape_timeout: "1s" },
    rule_files: options.ruleFiles,
    scrape_configs: [{ job_name: "hubwire-controller", static_configs: [{ targets: options.targets }] }],
  };
  await mkdir(options.dir, { recursive: true });
  const configFile = join(options.dir, "prometheus.yml");
  await writeFile(configFile, stringify(config));
  const process = await startProcess(
    "prometheus",
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(options.dir, "tsdb")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ],
    { logFile: join(options.dir, "prometheus.log") },
  );
  const url = `http://127.0.0.1:${port}`;
  const stop = () => stopProcess(process);
  try {
    for (let i = 0; ; i++) {
      if (process.hasExited()) throw new Error(`prometheus exited:\n${process.outputTail()}`);
      const ready = await fetch(`${url}/-/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) break;
      if (i > 300) throw new Error(`prometheus not ready after 30 s:\n${process.outputTail()}`);
      await sleep(100);
    }
  } catch (error) {
    await stop();
    throw error;
  }

  const api = async <T>(path: string): Promise<T> => {
    const r = await fetch(`${url}/api/v1/${path}`);
    const body = (await r.json()) as { status: string; data: T; error?: string };
    if (body.status !== "success") throw new Error(`${path}: ${body.error}`);
    return body.data;
  };
  const query = async (expr: string): Promise<QueryAnswer> => {
    const r = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: expr })}`);
    const body = (await r.json()) as {
      status: string;
      error?: string;
      data?: { resultType: string; result: Sample[] | [number, string] };
    };
    if (body.status !== "success" || !body.data)
      return { ok: false, error: body.error ?? `HTTP ${r.status}` };
    const { resultType, result } = body.data;
    if (resultType === "scalar")
      return { ok: true, samples: [{ metric: {}, value: result as [number, string] }] };
    if (resultType !== "vector") return { ok: false, error: `unexpected result type ${resultType}` };
    return { ok: true, samples: result as Sample[] };
  };
  const waitFor = async (expr: string, accept: (samples: Sample[]) => boolean, timeoutMs = 60_000) => {
    const until = Date.now() + timeoutMs;
    let last: QueryAnswer | undefined;
    while (Date.now() < until) {
      last = await query(expr);
      if (last.ok && accept(last.samples)) return last.samples;
      await sleep(250);
    }
    throw new Error(`${expr}: still not as expected after ${timeoutMs} ms: ${JSON.stringify(last)}`);
  };
  return { url, process, query, api, waitFor, stop };
}

/** Whether a sample's value is a number (not NaN or ±Inf): what a panel can draw. */
export function finite(s: Sample): boolean {
  return Number.isFinite(Number(s.value[1]));
}
