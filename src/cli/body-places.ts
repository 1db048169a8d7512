/**
 * `hubwire apply` sends its files as one YAML body; the controller names places in that body
 * (`body#7 line 12`). This maps them back to the files they came from (`spokes.yaml#2 line 5`,
 * `network.yaml line 3` for a file of one document), so the user reads the place in their own files.
 */
import { yamlDocuments } from "../model/index.js";

/** What separates two files in the body. */
export const FILE_SEPARATOR = "\n---\n";

/** The body of `files` and a function from the controller's place names to the files'. */
export function joinFiles(files: ReadonlyArray<{ name: string; text: string }>): {
  body: string;
  place(source: string): string;
} {
  const body = files.map((f) => f.text).join(FILE_SEPARATOR);
  // Each file's first line in the body; the separator adds one line (`---`) after each file's text.
  const starts: number[] = [];
  let line = 1;
  for (const f of files) {
    starts.push(line);
    line += f.text.split("\n").length + 1;
  }
  const fileAt = (l: number) => {
    let i = 0;
    while (i + 1 < starts.length && starts[i + 1]! <= l) i++;
    return i;
  };
  // Every document of the body, as the controller counts them, with the file it is in and its
  // number there.
  const docs: Array<{ file: number; n: number }> = [];
  const perFile = files.map(() => 0);
  for (const doc of yamlDocuments(body)) {
    const file = fileAt(doc.line);
    perFile[file]!++;
    docs.push({ file, n: perFile[file]! });
  }
  const place = (source: string) => {
    const m = /^body(?:#(\d+))?(?: line (\d+)(.*))?$/.exec(source);
    if (!m) return source;
    const doc = docs[m[1] ? Number(m[1]) - 1 : 0];
    if (!doc) return source;
    const name = files[doc.file]!.name;
    const where = perFile[doc.file]! > 1 ? `${name}#${doc.n}` : name;
    return m[2] ? `${where} line ${Number(m[2]) - starts[doc.file]! + 1}${m[3]}` : where;
  };
  return { body, place };
}
