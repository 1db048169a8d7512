/**
 * `hubwire join-hmac --claim FILE --secret-file FILE [--show-payload]`: signs
 * an enrollment claim the way an agent does (SPEC §4), so an operator can
 * script an enrollment or find out why the controller says "bad HMAC" by
 * comparing bytes. The signing itself lives in model/join-payload.ts, shared
 * with agent and controller; this file only reads the two files.
 *
 * Output, for scripts: the HMAC as lowercase hex and a newline; with
 * `--show-payload`, only the exact signed bytes (no newline added, nothing
 * else), so `hubwire join-hmac --show-payload … | openssl dgst -sha256 -hmac …`
 * reproduces the HMAC. The secret file is read and checked in both modes.
 *
 * Exit codes: 1 for an invalid claim or secret (every claim issue is printed),
 * 2 for bad flags, 3 for a file that cannot be read.
 */
import { createReadStream } from "node:fs";
import type { Command } from "commander";
import { parseAllDocuments } from "yaml";
import { formatIssue } from "../../model/issues.js";
import { type JoinRequest, joinHmac, joinPayload } from "../../model/join-payload.js";
import { DNS_LABEL } from "../../model/names.js";
import { parseResource } from "../../model/parse.js";
import { API_VERSION } from "../../model/resources.js";
import { CliError, EXIT } from "../exit-codes.js";
import type { Io } from "../io.js";

/** Claims and secrets are small; a cap keeps `--claim /dev/zero` from eating all memory. */
const MAX_INPUT_BYTES = 1 << 20;

interface Options {
  claim: string;
  secretFile: string;
  showPayload?: boolean;
}

/**
 * Registers `join-hmac`. A claim may omit `hmac` (it is what is being
 * computed) and may be the bare spec instead of a whole Enrollment resource.
 */
export function registerJoinHmac(program: Command, io: Io): void {
  program
    .command("join-hmac")
    .description("compute the HMAC an agent sends with an enrollment request")
    .requiredOption("--claim <file>", "Enrollment resource in YAML, or just its spec; hmac may be omitted")
    .requiredOption(
      "--secret-file <file>",
      "file holding the join token's secret (one trailing newline ignored)",
    )
    .option("--show-payload", "print only the exact bytes that are signed, instead of the HMAC")
    .action(async (opts: Options) => {
      const spec = await readClaim(opts.claim, io);
      const secret = await readSecret(opts.secretFile);
      if (!spec) {
        io.exitCode = EXIT.invalid;
        return;
      }
      io.stdout(opts.showPayload ? joinPayload(spec) : `${joinHmac(spec, secret)}\n`);
    });
}

/** Reads and validates the claim; prints every problem to stderr and returns undefined if there is any. */
async function readClaim(file: string, io: Io): Promise<JoinRequest | undefined> {
  const text = decodeUtf8(await readInput(file, "claim file"), `claim file ${file}`);
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs) || docs.length !== 1) {
    io.stderr(`${file}: a claim file holds exactly one YAML document\n`);
    return undefined;
  }
  const doc = docs[0]!;
  if (doc.errors.length > 0) {
    // The first line of a yaml error names line and column; the rest is an excerpt.
    for (const error of doc.errors) io.stderr(`${file}: ${error.message.split("\n")[0]}\n`);
    return undefined;
  }
  const claim = asEnrollment(doc.toJS());
  const kind = isRecord(claim) ? claim.kind : undefined;
  // Checked before the schema: another kind's own field errors would only confuse.
  const wrongKind = (k: unknown) => {
    io.stderr(`${file}: a claim must be kind Enrollment, not ${JSON.stringify(String(k).slice(0, 64))}\n`);
    return undefined;
  };
  if (typeof kind === "string" && kind !== "Enrollment") return wrongKind(kind);
  const result = parseResource(claim, file);
  if (!result.ok) {
    for (const issue of result.issues) io.stderr(`${formatIssue(issue)}\n`);
    return undefined;
  }
  if (result.resource.kind !== "Enrollment") return wrongKind(result.resource.kind);
  return result.resource.spec;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Wraps a bare spec into an Enrollment resource and stands in a placeholder
 * for a missing hmac, so the one schema checks everything else with the usual
 * field paths. The placeholder is never read: the payload excludes hmac.
 */
function asEnrollment(doc: unknown): unknown {
  if (!isRecord(doc)) return doc;
  const isResource = ["apiVersion", "kind", "metadata", "spec"].some((key) => key in doc);
  const resource: Record<string, unknown> = isResource
    ? { ...doc }
    : {
        apiVersion: API_VERSION,
        kind: "Enrollment",
        metadata: {
          name: typeof doc.nodeName === "string" && DNS_LABEL.test(doc.nodeName) ? doc.nodeName : "claim",
        },
        spec: doc,
      };
  if (resource.kind === "Enrollment" && isRecord(resource.spec) && !("hmac" in resource.spec)) {
    resource.spec = { ...resource.spec, hmac: "0".repeat(64) };
  }
  return resource;
}

/**
 * The secret is the file's text less ONE trailing newline (`\n` or `\r\n`),
 * per SPEC §4. What remains must be non-empty UTF-8 on one line: a second
 * line is almost surely a mistake and would silently give a different HMAC.
 * Messages never quote the secret.
 */
async function readSecret(file: string): Promise<string> {
  let secret = decodeUtf8(await readInput(file, "secret file"), `secret file ${file}`);
  if (secret.endsWith("\r\n")) secret = secret.slice(0, -2);
  else if (secret.endsWith("\n")) secret = secret.slice(0, -1);
  if (secret === "") throw new CliError(`secret file ${file} is empty`, EXIT.invalid);
  if (/[\r\n]/.test(secret)) {
    throw new CliError(
      `secret file ${file} holds more than one line (only one trailing newline is ignored)`,
      EXIT.invalid,
    );
  }
  return secret;
}

function decodeUtf8(bytes: Buffer, what: string): string {
  try {
    // ignoreBOM keeps the bytes as they are: the HMAC key is exactly the file's bytes.
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new CliError(`${what} is not UTF-8 text`, EXIT.invalid);
  }
}

/** Reads a whole file (or pipe, e.g. `<(…)`), up to MAX_INPUT_BYTES. */
async function readInput(file: string, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of createReadStream(file)) {
      size += (chunk as Buffer).length;
      if (size > MAX_INPUT_BYTES) throw new CliError(`${what} ${file} is larger than 1 MiB`, EXIT.invalid);
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`cannot read ${what} ${file}: ${describe(error)}`, EXIT.io);
  }
  return Buffer.concat(chunks);
}

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES") return "permission denied";
  if (code === "EISDIR") return "it is a directory";
  return error instanceof Error ? error.message : String(error);
}
