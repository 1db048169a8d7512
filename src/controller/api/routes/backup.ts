/**
 * `GET /api/v1/backup` and `POST /api/v1/restore` (admin only). A backup streams a consistent copy
 * of the whole database (export.ts); a restore takes either format as the raw request body,
 * stages and checks it, and replaces the database's contents in one transaction (restore.ts).
 * Both are audited. Formats are described in format.ts.
 */
import { createWriteStream } from "node:fs";
import { join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { recordAudit } from "../../audit/audit-log.js";
import { createBackup, defaultFormat } from "../../backup/export.js";
import { BackupFormatError, BackupRefusedError, CONTENT_TYPES } from "../../backup/format.js";
import { restoreBackup } from "../../backup/restore.js";
import { BackupSealError, SEAL_LENGTH, sealingStream, unseal } from "../../backup/sealed.js";
import { privateTempDir } from "../../backup/sqlite-files.js";
import { DomainError } from "../../errors.js";
import { type AnyRoute, route } from "../route.js";
import type { Services } from "../services.js";

/** The largest backup a restore accepts. */
export const MAX_RESTORE_BYTES = 4 * 1024 ** 3;

/** Content types `POST /api/v1/restore` takes; the format is recognised from the bytes. */
export const RESTORE_CONTENT_TYPES = [
  CONTENT_TYPES.sqlite,
  CONTENT_TYPES.jsonl,
  "application/octet-stream",
] as const;

/**
 * Lets the backup content types through Fastify unparsed: the handler gets the request stream
 * and writes it to a file, so a backup of any size never sits in memory (and Fastify's body
 * limit does not apply; the restore route has its own, {@link MAX_RESTORE_BYTES}). Types that
 * already have a parser are left alone.
 */
export function registerBackupBodyParsers(app: FastifyInstance): void {
  for (const type of RESTORE_CONTENT_TYPES) {
    if (app.hasContentTypeParser(type)) continue;
    app.addContentTypeParser(type, (_request, payload, done) => done(null, payload));
  }
}

const restoreAnswer = z.object({
  format: z.enum(["sqlite", "jsonl"]),
  sourceDialect: z.enum(["sqlite", "postgres"]).optional(),
  createdAt: z.string().optional(),
  migrations: z.array(z.string()),
  tables: z.record(z.string(), z.number()),
  rows: z.number(),
  revision: z.number(),
});

/** The backup and restore routes. */
export function backupRoutes(s: Services): AnyRoute[] {
  return [
    route({
      method: "GET",
      path: "/api/v1/backup",
      permission: "admin",
      summary:
        "A consistent copy of the whole database, taken while the controller runs: a SQLite file " +
        "(application/vnd.sqlite3; default on SQLite) or JSON lines (application/x-ndjson; default on PostgreSQL); " +
        "sealed with an HMAC when the controller has a backup key",
      tag: "Backup",
      produces: [CONTENT_TYPES.sqlite, CONTENT_TYPES.jsonl],
      query: z.strictObject({ format: z.enum(["sqlite", "jsonl"]).optional() }),
      handler: async ({ query, principal, request, reply }) => {
        const format = query.format ?? defaultFormat(s.db.dialect);
        const actor = s.actor(principal, request);
        // Before the snapshot, so the backup records that it was taken and by whom.
        await recordAudit(s.db, {
          at: s.now().toISOString(),
          actor: actor.actor,
          source: actor.source,
          action: "backup",
          kind: null,
          name: null,
          before: null,
          after: { format },
        });
        const backup = await createBackup(s.db, format);
        reply.type(backup.contentType);
        reply.header("content-disposition", `attachment; filename="${backup.filename}"`);
        reply.header("cache-control", "no-store");
        const sealed = s.backupKey !== undefined;
        if (backup.size !== undefined)
          reply.header("content-length", String(backup.size + (sealed ? SEAL_LENGTH : 0)));
        if (!s.backupKey) return backup.stream;
        const out = sealingStream(s.backupKey);
        backup.stream.on("error", (error) => out.destroy(error));
        out.on("close", () => backup.stream.destroy());
        return backup.stream.pipe(out);
      },
    }),
    route({
      method: "POST",
      path: "/api/v1/restore",
      permission: "admin",
      summary:
        "Replace the whole database with a backup (either format, as the raw body), all or nothing; " +
        "400 for a file that is not a complete backup or (with a backup key) whose HMAC seal is missing or wrong, " +
        "422 for one from a newer schema or with invalid contents",
      tag: "Backup",
      consumes: RESTORE_CONTENT_TYPES,
      status: 200,
      response: restoreAnswer,
      handler: async ({ principal, request }) => {
        const tmp = await privateTempDir();
        try {
          const file = join(tmp.path, "upload");
          await saveBody(request.body, file);
          await unseal(file, s.backupKey);
          const summary = await restoreBackup(
            s.intent,
            s.db.dialect,
            file,
            tmp.path,
            s.actor(principal, request),
          );
          request.log.warn(
            { actor: principal.actor, revision: summary.revision },
            "database restored from a backup",
          );
          return summary;
        } catch (error) {
          if (error instanceof BackupFormatError || error instanceof BackupSealError)
            throw new DomainError("bad-request", error.message);
          if (error instanceof BackupRefusedError)
            throw new DomainError("validation-failed", error.message, error.issues);
          throw error;
        } finally {
          await tmp.remove();
        }
      },
    }),
  ];
}

/** Writes the request body to `file`, refusing more than {@link MAX_RESTORE_BYTES}. */
async function saveBody(body: unknown, file: string): Promise<void> {
  let source: NodeJS.ReadableStream;
  if (
    body !== null &&
    typeof body === "object" &&
    typeof (body as NodeJS.ReadableStream).pipe === "function"
  ) {
    source = body as NodeJS.ReadableStream;
  } else if (Buffer.isBuffer(body) || typeof body === "string") {
    source = Readable.from([body]);
  } else if (body === undefined || body === null) {
    throw new DomainError("bad-request", "the request body is empty: send the backup file");
  } else {
    throw new DomainError(
      "unsupported-media-type",
      `send the backup file as ${RESTORE_CONTENT_TYPES.join(", ")}, not as a parsed document`,
    );
  }
  let size = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      if (size > MAX_RESTORE_BYTES) {
        callback(new DomainError("payload-too-large", `a backup may be at most ${MAX_RESTORE_BYTES} bytes`));
      } else callback(null, chunk);
    },
  });
  try {
    await pipeline(source, limit, createWriteStream(file, { flags: "wx", mode: 0o600 }));
  } catch (error) {
    if (error instanceof DomainError) throw error;
    throw new DomainError("bad-request", `the upload did not arrive whole: ${(error as Error).message}`);
  }
  if (size === 0) throw new DomainError("bad-request", "the backup is empty");
}
