/** The JSON-lines encoder and decoder, and the parents-first table order. */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDirs } from "../../testing/temp-dirs.js";
import {
  type BackupEvent,
  BackupFormatError,
  BackupRefusedError,
  encodeJsonl,
  JSONL_FORMAT,
  openJsonl,
  SQLITE_MAGIC,
  sniffFormat,
} from "./format.js";
import { parentsFirst } from "./tables.js";

const tempDir = tempDirs("hubwire-format-");
async function file(text: string): Promise<string> {
  const f = join(await tempDir(), "b.jsonl");
  await writeFile(f, text);
  return f;
}

const header = {
  format: JSONL_FORMAT,
  version: 1,
  dialect: "sqlite",
  migrations: ["0001_initial"],
  createdAt: "2025-01-01T00:00:00.000Z",
} as const;

async function* events(): AsyncGenerator<BackupEvent> {
  yield { type: "table", table: "a", columns: ["k", "v"] };
  yield {
    type: "rows",
    rows: [
      ["x", 1],
      ["line\nbreak ✓", null],
    ],
  };
  yield { type: "rows", rows: [["z", 2 ** 40]] };
  yield { type: "table", table: "b", columns: ["id"] };
}

async function encode(): Promise<string> {
  let text = "";
  for await (const chunk of encodeJsonl(header, events())) text += chunk;
  return text;
}

async function decode(text: string, batch = 1000) {
  const { header: h, events: ev } = await openJsonl(await file(text), batch);
  const out: BackupEvent[] = [];
  let next = await ev.next();
  while (!next.done) {
    out.push(next.value);
    next = await ev.next();
  }
  return { header: h, events: out, summary: next.value };
}

describe("JSON-lines backups", () => {
  it("round-trip: one line per row, an end line with counts and hash", async () => {
    const text = await encode();
    const lines = text.trimEnd().split("\n");
    expect(lines).toHaveLength(7);
    expect(JSON.parse(lines[6]!)).toMatchObject({ end: true, tables: { a: 3, b: 0 }, rows: 3 });
    const { header: h, events: ev, summary } = await decode(text, 2);
    expect(h).toEqual(header);
    expect(ev).toEqual([
      { type: "table", table: "a", columns: ["k", "v"] },
      {
        type: "rows",
        rows: [
          ["x", 1],
          ["line\nbreak ✓", null],
        ],
      },
      { type: "rows", rows: [["z", 2 ** 40]] },
      { type: "table", table: "b", columns: ["id"] },
    ]);
    expect(summary).toEqual({ tables: { a: 3, b: 0 }, rows: 3 });
  });

  it.each([
    ["a missing end line", (t: string) => t.split("\n").slice(0, -2).join("\n") + "\n", /truncated/],
    ["a line that breaks off", (t: string) => t.slice(0, t.length - 10), /truncated/],
    ["an edited row", (t: string) => t.replace('"x"', '"y"'), /SHA-256/],
    ["a row of the wrong width", (t: string) => t.replace('["x",1]', '["x",1,2]'), /3 values in table a/],
    ["data after the end", (t: string) => `${t}["more"]\n`, /after the end line/],
    [
      "a row before any table",
      (t: string) => t.replace('{"table":"a","columns":["k","v"]}\n', ""),
      /before any table/,
    ],
  ])("refuses %s", async (_what, edit, message) => {
    await expect(decode(edit(await encode()))).rejects.toThrow(message);
    await expect(decode(edit(await encode()))).rejects.toBeInstanceOf(BackupFormatError);
  });

  it("refuses a newer format version as such", async () => {
    const text = (await encode()).replace('"version":1', '"version":9');
    await expect(decode(text)).rejects.toBeInstanceOf(BackupRefusedError);
  });

  it("tells the formats apart by their first bytes", () => {
    expect(sniffFormat(Buffer.concat([SQLITE_MAGIC, Buffer.from("rest")]))).toBe("sqlite");
    expect(sniffFormat(Buffer.from('{"format"'))).toBe("jsonl");
    expect(sniffFormat(Buffer.from("PK\x03\x04"))).toBeUndefined();
  });
});

describe("parentsFirst", () => {
  it("puts every table after those its foreign keys reference, ties by name", () => {
    const t = (name: string, parents: string[] = []) => ({ name, columns: ["x"], primaryKey: [], parents });
    const order = parentsFirst([
      t("sessions", ["users"]),
      t("users"),
      t("labels", ["resources"]),
      t("resources"),
      t("audit"),
    ]);
    expect(order.map((x) => x.name)).toEqual(["audit", "resources", "labels", "users", "sessions"]);
    expect(() => parentsFirst([t("a", ["b"]), t("b", ["a"])])).toThrow(/cycle/);
  });
});
