/**
 * The JSON body parser of every listener: Fastify's own (prototype-poisoning
 * checks included), behind a nesting-depth limit checked on the raw text in
 * one linear pass, so a deeply nested body is refused before it is parsed.
 */
import type { FastifyInstance } from "fastify";
import { DomainError } from "../errors.js";

/** Deepest nesting of arrays and objects any API body needs (resources nest about 6 deep). */
export const MAX_JSON_DEPTH = 32;

/** Whether `text` nests arrays/objects deeper than `max` (brackets inside strings do not count). */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

export function registerJsonParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    const text = body as string;
    if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
      done(
        new DomainError("bad-request", `the JSON body nests deeper than ${MAX_JSON_DEPTH} levels`, [
          {
            code: "invalid-field",
            kind: "Request",
            name: "body",
            path: "",
            message: `nests deeper than ${MAX_JSON_DEPTH} levels`,
          },
        ]),
        undefined,
      );
      return;
    }
    parse(request, text, done);
  });
}
