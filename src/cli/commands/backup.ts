/**
 * `hubwire backup -o FILE [--format sqlite|jsonl]` and `hubwire restore FILE`: the whole
 * controller database, downloaded or replaced through the API (see controller/backup). Bytes
 * stream straight between file and socket, with a progress bar on stderr when it is a terminal.
 * A download is written beside FILE, verified (SQLite: integrity check; JSON lines: hash and
 * counts), and only then renamed to FILE — so FILE is either a complete backup or untouched.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { open, readFile, rename, rm, stat } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Presets, SingleBar } from "cli-progress";
import { type Command, Option } from "commander";
import { BackupFormatError, sniffFormat } from "../../controller/backup/format.js";
import { inspectBackup } from "../../controller/backup/inspect.js";
import {
  appendSeal,
  BackupSealError,
  readBackupKey,
  readSeal,
  sealFile,
  unseal,
  verifySeal,
} from "../../controller/backup/sealed.js";
import { type Credentials, loadCredentials } from "../api-client.js";
import { apiFailure, CliError, EXIT } from "../exit-codes.js";
import type { Io } from "../io.js";

/** `12.3 MB` */
export function formatBytes(n: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

/** A byte counter shown as a progress bar on stderr — only when stderr is a terminal. */
interface Progress {
  add(bytes: number): void;
  stop(): void;
}

function progress(label: string, total: number | undefined): Progress {
  if (!process.stderr.isTTY) return { add: () => undefined, stop: () => undefined };
  const bar = new SingleBar(
    {
      stream: process.stderr,
      format: total ? `${label} {bar} {percentage}% | {done} of {size} | {rate}` : `${label} {done} | {rate}`,
      hideCursor: true,
      fps: 8,
    },
    Presets.shades_classic,
  );
  const started = Date.now();
  let done = 0;
  let stopped = false;
  const payload = () => ({
    done: formatBytes(done),
    size: formatBytes(total ?? 0),
    rate: `${formatBytes(done / Math.max(0.001, (Date.now() - started) / 1000))}/s`,
  });
  bar.start(total || 1, 0, payload());
  return {
    add(bytes) {
      done += bytes;
      bar.update(total ? done : 0, payload());
    },
    stop() {
      if (stopped) return;
      stopped = true;
      bar.update(total ? done : 1, payload());
      bar.stop();
    },
  };
}

/** A pass-through stream that reports the bytes going by. */
function counter(onBytes: (n: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      onBytes(chunk.length);
      callback(null, chunk);
    },
  });
}

/** Opens a request to the controller with the CLI's credentials; the caller writes the body. */
async function openRequest(
  c: Credentials,
  method: string,
  path: string,
  headers: Record<string, string>,
  idleMs: number,
): Promise<{ request: http.ClientRequest; response: Promise<http.IncomingMessage> }> {
  const url = new URL(path, c.controller);
  const ca = c.caFile
    ? await readFile(c.caFile, "utf8").catch(() => {
        throw new CliError(`cannot read the CA file ${c.caFile}`, EXIT.io);
      })
    : undefined;
  const all: Record<string, string> = { ...headers };
  if (c.token) all.authorization = `Bearer ${c.token}`;
  if (c.session) all.cookie = `__Host-hubwire_session=${c.session}`;
  if (c.csrfToken && method !== "GET") all["x-csrf-token"] = c.csrfToken;
  const lib = url.protocol === "https:" ? https : http;
  const request = lib.request(url, { method, headers: all, ...(ca ? { ca } : {}) });
  const response = new Promise<http.IncomingMessage>((resolve, reject) => {
    request.on("response", resolve);
    request.on("error", (e) => reject(new CliError(`cannot reach ${url.origin}: ${e.message}`, EXIT.io)));
  });
  // Idle time, not the length of a transfer, tells a dead connection.
  request.setTimeout(idleMs, () => request.destroy(new Error(`no data for ${idleMs / 1000} s`)));
  return { request, response };
}

/** Turns a non-2xx answer into a CliError with the API's own message. */
async function failure(method: string, path: string, res: http.IncomingMessage): Promise<CliError> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return apiFailure(`${method} ${path}`, res.statusCode ?? 0, Buffer.concat(chunks).toString("utf8"));
}

/** The key of `--backup-key-file`, or undefined without the flag. */
async function backupKey(file: string | undefined): Promise<Buffer | undefined> {
  if (file === undefined) return undefined;
  return readBackupKey(file).catch((error: Error) => {
    throw new CliError(`--backup-key-file: ${error.message}`, EXIT.usage);
  });
}

/** Exit status and message of a seal that does not verify. */
function sealFailure(file: string, error: unknown): never {
  if (error instanceof BackupSealError) throw new CliError(`${file}: ${error.message}`, EXIT.invalid);
  throw error;
}

async function download(io: Io, output: string, format: string | undefined, keyFile?: string): Promise<void> {
  const key = await backupKey(keyFile);
  const path = `/api/v1/backup${format ? `?format=${format}` : ""}`;
  const { request, response } = await openRequest(
    await loadCredentials(),
    "GET",
    path,
    {
      accept: "application/vnd.sqlite3, application/x-ndjson",
    },
    60_000,
  );
  request.end();
  const res = await response;
  if (res.statusCode !== 200) throw await failure("GET", path, res);
  const length = Number(res.headers["content-length"]);
  const total = Number.isFinite(length) && length > 0 ? length : undefined;
  const partial = `${output}.partial-${process.pid}`;
  const bar = progress("backup ", total);
  let received = 0;
  try {
    try {
      await pipeline(
        res,
        counter((n) => {
          received += n;
          bar.add(n);
        }),
        createWriteStream(partial, { flags: "wx", mode: 0o600 }),
      );
    } finally {
      bar.stop();
    }
    if (!res.complete || (total !== undefined && received !== total)) {
      throw new CliError(
        `the download was cut short after ${formatBytes(received)}; ${output} was not written`,
        EXIT.io,
      );
    }
    // A controller with a backup key sealed it already: check that seal (with the key), inspect
    // the backup inside, and keep the seal. Otherwise seal it here when a key is given.
    const { mac } = await readSeal(partial);
    if (mac && key) await verifySeal(partial, key).catch((error: unknown) => sealFailure(output, error));
    if (mac) await unseal(partial);
    const info = await inspectBackup(partial).catch((error: unknown) => {
      if (error instanceof BackupFormatError) {
        throw new CliError(`the downloaded backup does not verify: ${error.message}`, EXIT.io);
      }
      throw error;
    });
    if (mac) await appendSeal(partial, mac);
    else if (key) await sealFile(partial, key);
    await rename(partial, output);
    io.stdout(
      `wrote ${output}: ${info.format} backup, ${formatBytes(received)}, ${info.rows} rows in ${Object.keys(info.tables).length} tables, verified${mac || key ? ", sealed" : ""}\n`,
    );
  } catch (error) {
    await rm(partial, { force: true });
    if (error instanceof CliError) throw error;
    if ((error as NodeJS.ErrnoException).code === "EEXIST" || (error as NodeJS.ErrnoException).syscall) {
      throw new CliError(`cannot write ${output}: ${(error as Error).message}`, EXIT.io);
    }
    throw new CliError(`the download failed: ${(error as Error).message}`, EXIT.io);
  }
}

async function upload(io: Io, file: string, keyFile?: string): Promise<void> {
  const key = await backupKey(keyFile);
  // Refused here, before anything is sent, when the seal is missing or does not match.
  if (key) await verifySeal(file, key).catch((error: unknown) => sealFailure(file, error));
  let size: number;
  let head: Buffer;
  try {
    size = (await stat(file)).size;
    const fh = await open(file, "r");
    try {
      head = Buffer.alloc(64);
      head = head.subarray(0, (await fh.read(head, 0, 64, 0)).bytesRead);
    } finally {
      await fh.close();
    }
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`, EXIT.io);
  }
  const format = sniffFormat(head);
  if (!format) throw new CliError(`${file} is not a hubwire backup (neither SQLite nor hubwire JSON lines)`);
  const path = "/api/v1/restore";
  const { request, response } = await openRequest(
    await loadCredentials(),
    "POST",
    path,
    {
      accept: "application/json",
      "content-type": format === "sqlite" ? "application/vnd.sqlite3" : "application/x-ndjson",
      "content-length": String(size),
    },
    15 * 60_000,
  ); // after the upload the controller checks and loads it before answering
  const bar = progress("restore", size);
  // The bar ends with the upload; the controller then checks and loads the backup before answering.
  const sent = pipeline(createReadStream(file), counter(bar.add), request).then(
    () => bar.stop(),
    (error: Error) => {
      bar.stop();
      return error;
    },
  );
  let res: http.IncomingMessage;
  try {
    res = await response;
  } finally {
    bar.stop();
  }
  const sendError = await sent;
  if (res.statusCode !== 200) throw await failure("POST", path, res);
  if (sendError instanceof Error) throw new CliError(`the upload failed: ${sendError.message}`, EXIT.io);
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  const summary = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
    format: string;
    sourceDialect?: string;
    createdAt?: string;
    tables: Record<string, number>;
    rows: number;
    revision: number;
  };
  const origin = [
    summary.sourceDialect && `from ${summary.sourceDialect}`,
    summary.createdAt && `taken ${summary.createdAt}`,
  ]
    .filter(Boolean)
    .join(", ");
  io.stdout(
    `restored ${file} (${summary.format} backup${origin ? `, ${origin}` : ""}): ${summary.rows} rows in ${Object.keys(summary.tables).length} tables; revision ${summary.revision}\n`,
  );
}

/** Registers `backup` and `restore`. */
export function registerBackup(program: Command, io: Io): void {
  program
    .command("backup")
    .description("download a consistent copy of the whole controller database (admin)")
    .requiredOption("-o, --output <file>", "where to write it (replaced only by a complete, verified backup)")
    .addOption(
      new Option(
        "--format <format>",
        "sqlite: the database file; jsonl: JSON lines either engine restores",
      ).choices(["sqlite", "jsonl"]),
    )
    .addHelpText(
      "after",
      "\nThe default format is the controller's own: sqlite on SQLite, jsonl on PostgreSQL.",
    )
    .option(
      "--backup-key-file <file>",
      "seal the backup with an HMAC under this key (kept apart from the backup)",
    )
    .action((flags: { output: string; format?: string; backupKeyFile?: string }) =>
      download(io, flags.output, flags.format, flags.backupKeyFile),
    );

  program
    .command("restore")
    .description("replace the whole controller database with a backup, all or nothing (admin)")
    .argument("<file>", "a file written by `hubwire backup`, either format")
    .addHelpText(
      "after",
      "\nEverything is replaced: intent, users, API tokens, sessions and the audit log. Afterwards\nonly the backup's credentials work; log in again if yours are newer than the backup.",
    )
    .option("--backup-key-file <file>", "restore only if the backup's HMAC seal matches this key")
    .action((file: string, flags: { backupKeyFile?: string }) => upload(io, file, flags.backupKeyFile));
}
